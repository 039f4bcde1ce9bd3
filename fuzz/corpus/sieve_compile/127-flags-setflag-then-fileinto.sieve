# message: plain.eml
require ["imap4flags", "fileinto"];
setflag ["\\Flagged", "$Work"];
fileinto "Work";
