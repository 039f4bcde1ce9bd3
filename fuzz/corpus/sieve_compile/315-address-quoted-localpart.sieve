# message: odd.eml
require ["fileinto", "variables"];
if address :localpart :matches "to" "quoted*" { fileinto "q-${1}"; }
