# message: plain.eml
require "fileinto";
if header :contains "subject" "hello" { fileinto "Hit"; }
