# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "minute" "*" { fileinto "d-${1}"; }
