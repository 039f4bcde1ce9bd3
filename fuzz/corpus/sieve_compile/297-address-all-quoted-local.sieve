# message: subaddress.eml
require "fileinto";
if address :all :is "cc" "bob+lists+x@example.org" { fileinto "Bob"; }
