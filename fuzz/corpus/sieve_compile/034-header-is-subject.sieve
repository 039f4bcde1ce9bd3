# message: plain.eml
require "fileinto";
if header :is "subject" "say hello there" { fileinto "Hit"; }
