# message: plain.eml
require ["envelope", "fileinto", "subaddress"];
if envelope :detail :matches "to" "*" { fileinto "HasDetail"; } else { fileinto "NoDetail"; }
