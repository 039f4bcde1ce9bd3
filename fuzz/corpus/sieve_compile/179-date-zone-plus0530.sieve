# message: dates.eml
require ["date", "variables", "fileinto"];
if date :zone "+0530" :matches "date" "std11" "*" { fileinto "z-${1}"; }
