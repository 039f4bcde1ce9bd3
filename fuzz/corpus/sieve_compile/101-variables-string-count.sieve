# message: plain.eml
require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
if string :count "eq" :comparator "i;ascii-numeric" ["a", "", "b"] "2" { fileinto "Two"; }
