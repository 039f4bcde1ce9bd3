# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "say *" { set "a" "${1}"; }
if header :matches "subject" "nomatch *" { set "a" "changed"; }
fileinto "${1}-${a}";
