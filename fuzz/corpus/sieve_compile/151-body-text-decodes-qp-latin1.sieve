# message: multipart.eml
require ["body", "fileinto"];
if body :text :contains "Café plain" { fileinto "Decoded"; }
