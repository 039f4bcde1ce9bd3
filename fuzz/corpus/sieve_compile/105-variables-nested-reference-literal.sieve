# message: plain.eml
require ["variables", "fileinto"];
set "a" "X";
fileinto "${${a}}";
