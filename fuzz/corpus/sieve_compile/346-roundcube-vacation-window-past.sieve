# message: plain.eml
require ["vacation", "date", "relational"];
if allof (currentdate :value "ge" "date" "2019-01-01", currentdate :value "le" "date" "2019-12-31")
{
	vacation :days 7 :subject "Out" "Away.";
}
