# message: plain.eml
require "imap4flags";
addflag "\\Seen";
