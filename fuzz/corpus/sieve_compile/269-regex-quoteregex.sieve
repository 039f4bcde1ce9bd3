# message: spam.eml
# differs: Pigeonhole 0.5.19 lacks :quoteregex (draft-ietf-sieve-regex-01 §4); we have it
require ["regex", "variables", "fileinto"];
set :quoteregex "q" "[SPAM]";
if header :regex "subject" "^${q}" { fileinto "Tagged"; }
