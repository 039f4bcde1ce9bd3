# message: subaddress.eml
require ["subaddress", "fileinto", "variables"];
if address :detail :matches "cc" "*" { fileinto "D.${1}"; }
