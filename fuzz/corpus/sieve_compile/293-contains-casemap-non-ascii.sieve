# message: encoded.eml
require "fileinto";
if header :contains "subject" "CAFÉ" { fileinto "Upper"; } else { fileinto "NoMatch"; }
