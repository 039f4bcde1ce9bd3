# message: plain.eml
require ["regex", "variables", "fileinto"];
if header :regex "from" "([a-z]+)@([a-z.]+)" { fileinto "${2}-${1}"; }
