# message: plain.eml
# extensions: +editheader
require ["fileinto", "editheader"];
addheader "X-Fold" "a b";
if header :is "x-fold" "a b" { fileinto "Folded"; }
