# message: spam.eml
require ["regex", "fileinto"];
if header :regex "x-spam-score" "^[5-9]$" { fileinto "Junk"; }
