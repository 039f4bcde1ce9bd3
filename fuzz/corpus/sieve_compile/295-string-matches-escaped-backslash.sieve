# message: plain.eml
require ["variables", "fileinto"];
set "v" "a\\b";
if string :matches "${v}" "a\\\\b" { fileinto "Backslash"; } else { fileinto "None"; }
