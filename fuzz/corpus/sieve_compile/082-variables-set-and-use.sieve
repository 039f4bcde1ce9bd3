# message: plain.eml
require ["variables", "fileinto"];
set "folder" "Projects";
fileinto "${folder}";
