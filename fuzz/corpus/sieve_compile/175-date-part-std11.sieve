# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "std11" "*" { fileinto "d-${1}"; }
