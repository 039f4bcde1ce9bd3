# message: plain.eml
# mailboxes: Work
require ["mailbox", "fileinto"];
if mailboxexists "Work" { fileinto "Work"; }
