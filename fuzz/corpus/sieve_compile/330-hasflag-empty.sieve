# message: plain.eml
require ["imap4flags", "fileinto"];
if hasflag :matches "*" { fileinto "Some"; } else { fileinto "None"; }
