# message: base64.eml
require "fileinto";
if header :contains "subject" "Grüße" { fileinto "Decoded"; }
