# message: plain.eml
require ["fileinto", "comparator-i;ascii-casemap"];
if header :comparator "i;ascii-casemap" :contains "subject" "HELLO" { fileinto "Cm"; }
