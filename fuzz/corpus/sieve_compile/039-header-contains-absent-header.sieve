# message: plain.eml
require "fileinto";
if header :contains "x-missing" "" { fileinto "Hit"; } else { fileinto "Miss"; }
