# message: plain.eml
require ["body", "fileinto"];
if body :content "text" :contains "Hi" { fileinto "Text"; }
