# message: plain.eml
require "fileinto";
if address :is "from" "alice@example.com" { fileinto "Alice"; }
