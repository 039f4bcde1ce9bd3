# message: multipart.eml
require ["body", "fileinto"];
if body :content "" :contains "secret" { fileinto "All"; }
