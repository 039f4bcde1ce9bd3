# message: plain.eml
require "fileinto";
if address :localpart :is "from" "alice" { fileinto "Local"; }
