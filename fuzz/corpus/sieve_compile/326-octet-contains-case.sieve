# message: plain.eml
require "fileinto";
if header :comparator "i;octet" :contains "subject" "Hello" { fileinto "Sensitive"; } else { fileinto "NoMatch"; }
