# message: spam.eml
if address :domain :is "from" "spam.example" { discard; stop; }
