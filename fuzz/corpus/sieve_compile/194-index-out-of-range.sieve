# message: encoded.eml
require ["index", "fileinto"];
if header :index 3 :matches "x-a" "*" { fileinto "Third"; } else { fileinto "NoThird"; }
