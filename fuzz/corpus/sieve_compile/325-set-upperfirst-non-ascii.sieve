# message: plain.eml
require ["variables", "fileinto"];
set :upperfirst "x" "élan";
fileinto "${x}";
