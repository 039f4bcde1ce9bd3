# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "* hello *" { fileinto "${1}-${2}"; }
