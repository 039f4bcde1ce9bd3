# message: plain.eml
require ["imap4flags", "variables", "fileinto"];
set "f" "\\Seen \\Flagged";
fileinto :flags "${f}" "Box";
