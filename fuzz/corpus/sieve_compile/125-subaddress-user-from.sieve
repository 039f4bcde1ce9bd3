# message: subaddress.eml
require ["subaddress", "fileinto"];
if address :user :is "from" "carol" { fileinto "Carol"; }
