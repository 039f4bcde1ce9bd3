# message: dates.eml
require ["date", "relational", "comparator-i;ascii-numeric", "fileinto"];
if date :value "ge" :comparator "i;ascii-numeric" "date" "year" "2024" { fileinto "Recent"; }
