# message: plain.eml
require ["body", "fileinto"];
if body :raw :is "Hi\n" { fileinto "Exact"; } else { fileinto "NotExact"; }
