# message: plain.eml
require ["envelope", "fileinto"];
if allof (envelope :domain :is "from" "example.com", header :contains "to" "me") { fileinto "Both"; }
