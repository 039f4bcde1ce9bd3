# message: plain.eml
require "imap4flags";
addflag ["Junk", "JUNK", "junk"];
