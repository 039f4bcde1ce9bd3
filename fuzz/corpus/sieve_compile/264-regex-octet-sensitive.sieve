# message: plain.eml
require ["regex", "fileinto"];
if header :regex :comparator "i;octet" "subject" "SAY" { fileinto "Cs"; } else { fileinto "NoCs"; }
