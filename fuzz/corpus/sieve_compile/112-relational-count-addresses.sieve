# message: subaddress.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "3" { fileinto "Three"; }
