# message: plain.eml
require "imap4flags";
keep :flags ["\\Deleted", "gone"];
