# message: plain.eml
# extensions: +editheader
require ["editheader", "fileinto"];
addheader "X-New" "Grüße";
if header :is "x-new" "Grüße" { fileinto "Same"; }
