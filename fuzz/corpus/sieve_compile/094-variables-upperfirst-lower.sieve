# message: plain.eml
require ["variables", "fileinto"];
set :upperfirst :lower "a" "hELLO";
fileinto "${a}";
