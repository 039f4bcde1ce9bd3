# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "iso8601" "*" { fileinto "d-${1}"; }
