# message: plain.eml
require ["regex", "fileinto"];
if header :regex "subject" "^say h[aeiou]llo" { fileinto "Re"; }
