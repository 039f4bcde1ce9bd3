# message: spam.eml
require "fileinto";
if address :domain :contains "from" "spam" { fileinto "Junk"; }
