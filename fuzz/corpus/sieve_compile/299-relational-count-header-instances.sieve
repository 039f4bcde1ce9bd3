# message: encoded.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :count "eq" :comparator "i;ascii-numeric" "x-a" "2" { fileinto "TwoA"; }
