# message: spam.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :count "ge" :comparator "i;ascii-numeric" "received" "3" { fileinto "ManyHops"; }
