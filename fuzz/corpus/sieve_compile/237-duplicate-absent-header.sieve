# message: plain.eml
require ["duplicate", "fileinto"];
if duplicate :header "x-none" { fileinto "Dup"; } else { fileinto "NoId"; }
