# message: plain.eml
require ["variables", "fileinto"];
set :lower "x" "ÉCOLE";
fileinto "${x}";
