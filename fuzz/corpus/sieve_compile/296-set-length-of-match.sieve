# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "*" { set :length "n" "${1}"; fileinto "n${n}"; }
