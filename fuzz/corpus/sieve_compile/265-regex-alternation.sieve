# message: spam.eml
require ["regex", "fileinto"];
if address :regex :domain "from" "(spam|junk)\\.example$" { fileinto "Junk"; }
