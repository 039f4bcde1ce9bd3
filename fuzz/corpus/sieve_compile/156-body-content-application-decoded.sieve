# message: multipart.eml
require ["body", "fileinto"];
if body :content "application" :contains "secret attachment" { fileinto "App"; }
