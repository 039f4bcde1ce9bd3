# message: multipart.eml
require ["body", "fileinto"];
if body :content "text/plain" :contains "bold" { fileinto "Wrong"; } else { fileinto "Right"; }
