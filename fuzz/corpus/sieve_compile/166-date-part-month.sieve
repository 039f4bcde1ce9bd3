# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "month" "*" { fileinto "d-${1}"; }
