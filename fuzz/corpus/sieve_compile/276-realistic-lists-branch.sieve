# message: list.eml
require ["fileinto", "envelope", "variables", "imap4flags"];
if header :contains "x-spam-flag" "yes" { addflag "Junk"; fileinto "Spam"; stop; }
if header :matches "list-id" "*<*.*>*" { fileinto "Lists.${2}"; stop; }
keep;
