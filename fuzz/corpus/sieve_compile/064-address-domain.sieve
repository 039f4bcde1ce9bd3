# message: plain.eml
require "fileinto";
if address :domain :is "from" "EXAMPLE.com" { fileinto "Dom"; }
