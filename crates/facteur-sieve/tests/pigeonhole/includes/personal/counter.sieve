require "imap4flags";
addflag "counted";
