# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "**" { fileinto "s-${1}-${2}"; }
