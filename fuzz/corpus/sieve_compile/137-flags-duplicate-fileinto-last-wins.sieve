# message: plain.eml
require ["imap4flags", "fileinto"];
fileinto :flags "a" "Box";
fileinto :flags "b" "Box";
