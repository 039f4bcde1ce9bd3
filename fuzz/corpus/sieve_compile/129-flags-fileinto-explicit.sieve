# message: plain.eml
require ["imap4flags", "fileinto"];
addflag "ignored";
fileinto :flags "\\Answered" "Done";
