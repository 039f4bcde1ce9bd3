# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "day" "*" { fileinto "d-${1}"; }
