# message: encoded.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader :index 1 :last "x-a";
if header :is "x-a" "second" { fileinto "Still"; } else { fileinto "LastGone"; }
