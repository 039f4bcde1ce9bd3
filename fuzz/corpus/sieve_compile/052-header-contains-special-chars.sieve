# message: spam.eml
require "fileinto";
if header :contains "subject" "100%" { fileinto "Pct"; }
