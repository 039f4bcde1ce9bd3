# message: large.eml
require "reject";
if size :over 5K { reject "Message too large for this mailbox."; }
