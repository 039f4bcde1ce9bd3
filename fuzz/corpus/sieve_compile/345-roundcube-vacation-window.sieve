# message: plain.eml
require ["vacation", "date", "relational"];
# rule:[out of office]
if allof (currentdate :zone "+0100" :value "ge" "iso8601" "2020-01-01T00:00:00+01:00", currentdate :zone "+0100" :value "le" "iso8601" "2099-12-31T23:59:59+01:00")
{
	vacation :days 7 :addresses ["me@example.net"] :subject "Out of office" "I am away until Monday.";
}
