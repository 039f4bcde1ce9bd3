# message: plain.eml
require ["envelope", "fileinto"];
if envelope :domain :is "to" "example.net" { fileinto "Env"; }
