# message: dates.eml
require ["date", "variables", "fileinto"];
if date :matches "date" "second" "*" { fileinto "d-${1}"; }
