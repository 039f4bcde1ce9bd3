# message: subaddress.eml
require ["subaddress", "fileinto"];
if address :user :is "to" "me" { fileinto "Me"; }
