# message: subaddress.eml
require ["fileinto", "variables"];
if header :matches "subject" "*[lists]*" { fileinto "Lists"; }
