# message: plain.eml
require ["body", "fileinto"];
if body :text :contains "Hi" { fileinto "Body"; }
