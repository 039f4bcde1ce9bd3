# message: plain.eml
require ["fileinto", "comparator-i;octet"];
if header :comparator "i;octet" :is "to" "me@example.net" { fileinto "Oc"; }
