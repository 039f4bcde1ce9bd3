# message: plain.eml
require "fileinto";
if header :matches "subject" "say*" { fileinto "Hit"; }
