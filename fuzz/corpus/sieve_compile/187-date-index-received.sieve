# message: spam.eml
# differs: Pigeonhole reads only the first Received field in date and ignores :index; RFC 5260 §6 applies :index to date
require ["date", "index", "variables", "fileinto"];
if date :index 2 :zone "+0000" :matches "received" "time" "*" { fileinto "second-${1}"; }
