# message: plain.eml
# to: me+orders@example.net
require ["envelope", "fileinto", "subaddress", "variables"];
if envelope :detail :matches "to" "*" { fileinto "Detail-${1}"; }
