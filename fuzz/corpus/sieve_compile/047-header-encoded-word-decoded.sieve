# message: encoded.eml
require "fileinto";
if header :is "subject" "café au lait" { fileinto "Decoded"; }
