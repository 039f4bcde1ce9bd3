# message: plain.eml
require "fileinto";
if header :matches "subject" "say hello" { fileinto "Hit"; } else { fileinto "Miss"; }
