# message: plain.eml
require ["relational", "fileinto"];
if header :value "lt" "subject" "t" { fileinto "Before"; }
