# message: encoded.eml
# extensions: +editheader
require ["editheader", "index", "fileinto"];
addheader :last "X-A" "third";
if header :index 1 :last :is "x-a" "third" { fileinto "Bottom"; }
