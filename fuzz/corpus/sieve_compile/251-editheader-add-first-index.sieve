# message: encoded.eml
# extensions: +editheader
require ["editheader", "index", "fileinto"];
addheader "X-A" "zero";
if header :index 1 :is "x-a" "zero" { fileinto "Top"; }
