# message: plain.eml
require ["variables", "fileinto"];
set "x" "hello world";
if string :contains "${x}" "o w" { fileinto "Yes"; }
