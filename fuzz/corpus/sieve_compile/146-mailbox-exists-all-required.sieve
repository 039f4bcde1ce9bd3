# message: plain.eml
# mailboxes: Work
require ["mailbox", "fileinto"];
if mailboxexists ["Work", "Nope"] { fileinto "Both"; } else { fileinto "NotBoth"; }
