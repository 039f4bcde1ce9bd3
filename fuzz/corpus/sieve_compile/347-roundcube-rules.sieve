# message: plain.eml
require ["fileinto", "copy", "imap4flags"];
# rule:[newsletters]
if anyof (header :contains "list-id" "example", header :is "precedence" "bulk")
{
	fileinto "Newsletters";
	stop;
}
# rule:[flag boss]
if address :is "from" "alice@example.com"
{
	addflag "\\Flagged";
	fileinto :copy "Alice";
}
