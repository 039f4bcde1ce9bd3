# message: plain.eml
require ["fileinto", "variables"];
if address :matches :all ["from", "to"] "*@*" { fileinto "${2}.${1}"; }
