# message: encoded.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader :index 1 "x-a";
if header :is "x-a" "first" { fileinto "Still"; } else { fileinto "FirstGone"; }
