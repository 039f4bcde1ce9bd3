# message: multipart.eml
require ["body", "fileinto"];
if body :text :contains "secret" { fileinto "Found"; } else { fileinto "NotFound"; }
