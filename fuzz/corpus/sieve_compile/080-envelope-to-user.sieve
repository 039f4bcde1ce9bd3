# message: plain.eml
# to: me+orders@example.net
require ["envelope", "fileinto", "subaddress"];
if envelope :user :is "to" "me" { fileinto "User"; }
