# message: plain.eml
require ["imap4flags", "fileinto", "copy"];
addflag "a";
fileinto :copy "Copy";
removeflag "a";
addflag "b";
