# message: plain.eml
require ["duplicate", "fileinto"];
if duplicate :header "subject" { fileinto "Dup"; }
