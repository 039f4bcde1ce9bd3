# message: plain.eml
require ["variables", "fileinto"];
set :lower "a" "MiXeD";
set :upper "b" "MiXeD";
fileinto "${a}-${b}";
