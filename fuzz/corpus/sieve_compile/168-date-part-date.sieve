# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "date" "*" { fileinto "d-${1}"; }
