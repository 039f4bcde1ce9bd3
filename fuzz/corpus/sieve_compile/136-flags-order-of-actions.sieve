# message: plain.eml
require ["imap4flags", "fileinto"];
fileinto "Early";
addflag "\\Seen";
fileinto "Late";
