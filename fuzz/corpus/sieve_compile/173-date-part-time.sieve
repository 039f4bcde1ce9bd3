# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "time" "*" { fileinto "d-${1}"; }
