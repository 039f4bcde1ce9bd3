# message: multipart.eml
require ["body", "fileinto"];
if body :text :contains "bold" { fileinto "Html"; }
if body :text :contains "<b>" { fileinto "Tags"; }
