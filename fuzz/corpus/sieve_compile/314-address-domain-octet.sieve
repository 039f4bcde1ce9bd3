# message: odd.eml
require "fileinto";
if address :domain :comparator "i;octet" :is "from" "example.com" { fileinto "Dom"; } else { fileinto "Case"; }
