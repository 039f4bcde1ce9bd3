# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "hour" "*" { fileinto "d-${1}"; }
