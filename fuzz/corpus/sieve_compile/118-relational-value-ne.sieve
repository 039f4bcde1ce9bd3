# message: plain.eml
require ["relational", "fileinto"];
if header :value "ne" "subject" "say hello there" { fileinto "Ne"; } else { fileinto "Eq"; }
