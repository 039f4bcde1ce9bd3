# message: odd.eml
require "fileinto";
if header :contains "x-raw8" "Grüße" { fileinto "Utf8"; }
