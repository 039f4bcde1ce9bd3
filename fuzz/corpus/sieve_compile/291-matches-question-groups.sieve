# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "???*" { fileinto "${1}${2}${3}-${4}"; }
