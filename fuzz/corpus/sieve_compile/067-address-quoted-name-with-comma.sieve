# message: subaddress.eml
require "fileinto";
if address :domain :is "cc" "example.org" { fileinto "Cc"; }
