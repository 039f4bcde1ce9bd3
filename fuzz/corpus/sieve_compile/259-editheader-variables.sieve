# message: plain.eml
# extensions: +editheader
require ["editheader", "variables", "fileinto"];
set "n" "X-Dyn";
addheader "${n}" "v";
if header :is "x-dyn" "v" { fileinto "Dyn"; }
