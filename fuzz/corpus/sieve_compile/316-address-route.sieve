# message: odd.eml
require ["fileinto", "variables"];
if address :all :matches "cc" "*" { fileinto "r-${1}"; }
