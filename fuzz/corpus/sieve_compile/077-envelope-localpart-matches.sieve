# message: plain.eml
require ["envelope", "fileinto", "variables"];
if envelope :localpart :matches "from" "a*" { fileinto "A-${1}"; }
