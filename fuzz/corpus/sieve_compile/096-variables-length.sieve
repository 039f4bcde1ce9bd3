# message: plain.eml
require ["variables", "fileinto"];
set :length "n" "café";
fileinto "len${n}";
