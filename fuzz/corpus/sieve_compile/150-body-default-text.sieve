# message: multipart.eml
require ["body", "fileinto"];
if body :contains "plain part" { fileinto "Body"; }
