# message: plain.eml
require ["imap4flags", "fileinto"];
addflag "one";
keep;
addflag "two";
