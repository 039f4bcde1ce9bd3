# message: plain.eml
require ["imap4flags", "variables", "fileinto"];
set "myflags" "";
addflag "myflags" "\\Flagged";
if hasflag "myflags" "\\Flagged" { fileinto "Var"; }
