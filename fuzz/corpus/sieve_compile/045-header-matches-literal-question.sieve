# message: spam.eml
require "fileinto";
if header :matches "subject" "*now\\!*" { fileinto "Bang"; } else { fileinto "NoBang"; }
