# message: base64.eml
require "fileinto";
if address :is "to" "me@example.net" { fileinto "Me"; }
