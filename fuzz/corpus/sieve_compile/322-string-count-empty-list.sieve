# message: plain.eml
require ["variables", "relational", "comparator-i;ascii-numeric", "fileinto"];
if string :count "eq" :comparator "i;ascii-numeric" "" "0" { fileinto "Zero"; }
