# message: plain.eml
require ["imap4flags", "fileinto"];
addflag "\\Seen";
if hasflag "\\seen" { fileinto "Seen"; }
