# message: plain.eml
require ["regex", "variables", "fileinto"];
if header :regex "subject" "^(say) (hello) (.*)$" { fileinto "${3}-${2}-${1}"; }
