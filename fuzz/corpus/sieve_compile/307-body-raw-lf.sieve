# message: plain.eml
require ["body", "fileinto"];
if body :raw :is "Hi" { fileinto "Hi"; } elsif body :raw :contains "Hi" { fileinto "Contains"; }
