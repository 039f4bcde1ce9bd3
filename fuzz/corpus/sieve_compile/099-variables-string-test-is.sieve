# message: plain.eml
require ["variables", "fileinto"];
set "x" "abc";
if string :is "${x}" "abc" { fileinto "Yes"; }
