# message: plain.eml
require "fileinto";
if header :contains "subject" "hello" { fileinto "Hello"; stop; }
fileinto "Other";
