# message: base64.eml
require ["body", "fileinto"];
if body :text :contains "Grüße aus München" { fileinto "B64"; }
