# message: spam.eml
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "le" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "Low"; } else { fileinto "High"; }
