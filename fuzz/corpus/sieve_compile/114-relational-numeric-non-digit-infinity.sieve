# message: plain.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "gt" :comparator "i;ascii-numeric" "subject" "999999" { fileinto "Inf"; }
