# message: spam.eml
# differs: Pigeonhole reads only the first Received field in date and ignores :index; RFC 5260 §6 applies :index to date
require ["date", "index", "variables", "fileinto"];
if date :index 1 :last :zone "+0000" :matches "received" "time" "*" { fileinto "oldest-${1}"; }
