# message: plain.eml
# mailboxes: Work
require ["mailbox", "fileinto"];
if mailboxexists "Nope" { fileinto "Nope"; } else { keep; }
