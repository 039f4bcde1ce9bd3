# message: odd.eml
require ["date", "fileinto"];
if date :matches "date" "year" "*" { fileinto "Parsed"; } else { fileinto "Unparsed"; }
