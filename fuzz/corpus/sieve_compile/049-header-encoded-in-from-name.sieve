# message: base64.eml
require "fileinto";
if header :contains "from" "Jörg Müller" { fileinto "Decoded"; }
