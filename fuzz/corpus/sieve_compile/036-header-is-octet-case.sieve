# message: plain.eml
require "fileinto";
if header :comparator "i;octet" :is "subject" "SAY HELLO THERE" { fileinto "Hit"; } else { fileinto "Miss"; }
