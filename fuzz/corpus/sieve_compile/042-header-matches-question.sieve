# message: plain.eml
require "fileinto";
if header :matches "subject" "say h?llo *" { fileinto "Hit"; }
