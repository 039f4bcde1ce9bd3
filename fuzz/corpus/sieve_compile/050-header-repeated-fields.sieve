# message: encoded.eml
require "fileinto";
if header :is "x-a" "second" { fileinto "Second"; }
