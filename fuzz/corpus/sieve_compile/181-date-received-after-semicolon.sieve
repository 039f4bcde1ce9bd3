# message: dates.eml
require ["date", "variables", "fileinto"];
if date :zone "+0000" :matches "received" "time" "*" { fileinto "r-${1}"; }
