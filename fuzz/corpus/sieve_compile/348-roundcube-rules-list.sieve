# message: list.eml
require ["fileinto", "copy", "imap4flags"];
if anyof (header :contains "list-id" "example", header :is "precedence" "bulk")
{
	fileinto "Newsletters";
	stop;
}
if address :is "from" "alice@example.com"
{
	addflag "\\Flagged";
	fileinto :copy "Alice";
}
