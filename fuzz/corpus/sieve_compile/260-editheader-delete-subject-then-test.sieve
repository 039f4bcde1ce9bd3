# message: plain.eml
# extensions: +editheader
require ["editheader", "fileinto"];
deleteheader "subject";
if not exists "subject" { fileinto "NoSubject"; }
