# message: encoded.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader :contains "x-a" "sec";
if header :is "x-a" "second" { fileinto "Still"; } else { fileinto "Deleted"; }
