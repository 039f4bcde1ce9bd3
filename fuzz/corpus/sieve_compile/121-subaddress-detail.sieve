# message: subaddress.eml
require ["subaddress", "fileinto", "variables"];
if address :detail :matches "to" "*" { fileinto "Detail.${1}"; }
