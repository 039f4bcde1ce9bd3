# message: plain.eml
require ["variables", "fileinto"];
set :upper "x" "crème";
fileinto "${x}";
