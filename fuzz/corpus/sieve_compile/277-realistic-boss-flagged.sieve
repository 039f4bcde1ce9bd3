# message: plain.eml
# from: boss@example.com
require ["fileinto", "envelope", "imap4flags"];
if envelope :is "from" "boss@example.com" { addflag "\\Flagged"; }
keep;
