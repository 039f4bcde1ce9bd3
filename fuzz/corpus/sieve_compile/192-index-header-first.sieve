# message: encoded.eml
require ["index", "fileinto"];
if header :index 1 :is "x-a" "first" { fileinto "First"; }
