# message: plain.eml
require ["fileinto"];
if not allof (header :contains "subject" "hello", address :domain :is "from" "example.org") { fileinto "NotBoth"; }
