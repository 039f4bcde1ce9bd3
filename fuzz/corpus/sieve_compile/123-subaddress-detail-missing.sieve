# message: plain.eml
require ["subaddress", "fileinto"];
if address :detail :contains "from" "" { fileinto "Has"; } else { fileinto "None"; }
