# message: plain.eml
# extensions: +editheader
require ["variables", "fileinto", "editheader"];
addheader "X-Empty" "";
if header :matches "x-empty" "*" { fileinto "Empty"; }
