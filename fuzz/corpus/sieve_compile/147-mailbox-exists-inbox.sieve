# message: plain.eml
require ["mailbox", "fileinto"];
if mailboxexists "INBOX" { fileinto "HasInbox"; }
