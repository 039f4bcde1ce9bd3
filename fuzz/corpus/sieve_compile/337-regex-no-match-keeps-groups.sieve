# message: plain.eml
require ["regex", "variables", "fileinto"];
if header :matches "subject" "* *" { set "a" "${1}"; }
if header :regex "subject" "zzz(.*)" { set "a" "x"; }
fileinto "${a}-${2}";
