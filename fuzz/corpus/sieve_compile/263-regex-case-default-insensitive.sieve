# message: plain.eml
require ["regex", "fileinto"];
if header :regex "subject" "SAY" { fileinto "Ci"; }
