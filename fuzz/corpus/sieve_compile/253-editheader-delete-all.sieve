# message: encoded.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader "x-a";
if not exists "x-a" { fileinto "Gone"; }
