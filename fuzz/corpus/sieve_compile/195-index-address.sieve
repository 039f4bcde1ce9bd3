# message: encoded.eml
require ["index", "fileinto"];
if address :index 1 :is "to" "one@example.net" { fileinto "One"; }
