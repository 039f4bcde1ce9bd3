# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "year" "*" { fileinto "d-${1}"; }
