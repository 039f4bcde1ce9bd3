# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "zone" "*" { fileinto "d-${1}"; }
