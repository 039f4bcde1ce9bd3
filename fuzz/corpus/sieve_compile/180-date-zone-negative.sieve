# message: dates.eml
require ["date", "variables", "fileinto"];
if date :zone "-1000" :matches "date" "date" "*" { fileinto "z-${1}"; }
