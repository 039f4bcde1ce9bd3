# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "*" { fileinto "x${10}y"; }
