# message: encoded.eml
require ["index", "fileinto"];
if header :index 1 :last :is "x-a" "second" { fileinto "Last"; }
