# message: spam.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader "received";
if exists "received" { fileinto "Kept"; }
