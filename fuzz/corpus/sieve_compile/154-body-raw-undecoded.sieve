# message: multipart.eml
require ["body", "fileinto"];
if body :raw :contains "Caf=E9" { fileinto "Raw"; }
if body :raw :contains "c2VjcmV0" { fileinto "RawB64"; }
