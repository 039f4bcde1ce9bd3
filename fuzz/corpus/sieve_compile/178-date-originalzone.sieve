# message: dates.eml
require ["date", "variables", "fileinto"];
if date :originalzone :matches "date" "iso8601" "*" { fileinto "o-${1}"; }
