# message: dates.eml
require ["date", "fileinto"];
if date :matches "x-none" "year" "*" { fileinto "Has"; } else { fileinto "None"; }
