# message: encoded.eml
require "fileinto";
if address :is "to" "two@example.net" { fileinto "Two"; }
