# message: plain.eml
require ["variables", "fileinto"];
set "pat" "say*";
if header :matches "subject" "${pat}" { fileinto "Pat"; }
