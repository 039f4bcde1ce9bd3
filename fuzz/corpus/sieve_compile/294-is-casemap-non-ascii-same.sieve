# message: encoded.eml
require "fileinto";
if header :contains "subject" "Café" { fileinto "Ascii"; } else { fileinto "NoMatch"; }
