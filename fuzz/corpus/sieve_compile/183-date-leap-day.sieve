# message: base64.eml
require ["date", "variables", "fileinto"];
if date :originalzone :matches "date" "date" "*" { fileinto "l-${1}"; }
if date :zone "+0000" :matches "date" "date" "*" { fileinto "u-${1}"; }
