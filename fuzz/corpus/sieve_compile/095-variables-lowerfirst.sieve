# message: plain.eml
require ["variables", "fileinto"];
set :lowerfirst "a" "ABC";
fileinto "${a}";
