# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "julian" "*" { fileinto "d-${1}"; }
