# message: plain.eml
require "fileinto";
if header :is "Subject" "SAY HELLO THERE" { fileinto "Hit"; }
