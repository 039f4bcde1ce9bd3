# message: plain.eml
require "fileinto";
if header :contains "subject" "" { fileinto "Hit"; }
