# message: group.eml
require "fileinto";
if address :is "bcc" "me@example.net" { fileinto "Bcc"; }
if address :contains "to" "undisclosed" { fileinto "Group"; }
