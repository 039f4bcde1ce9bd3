# message: multipart.eml
require ["body", "fileinto"];
if body :content "text/html" :contains "<b>bold</b>" { fileinto "Html"; }
