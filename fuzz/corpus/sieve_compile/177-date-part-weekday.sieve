# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "weekday" "*" { fileinto "d-${1}"; }
