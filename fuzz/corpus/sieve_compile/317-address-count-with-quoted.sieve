# message: odd.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "Two"; }
