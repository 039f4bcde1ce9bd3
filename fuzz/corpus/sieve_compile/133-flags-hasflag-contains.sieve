# message: plain.eml
require ["imap4flags", "fileinto"];
addflag "$Label1 other";
if hasflag :contains "abel" { fileinto "Label"; }
