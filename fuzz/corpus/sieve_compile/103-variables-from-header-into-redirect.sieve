# message: plain.eml
require ["variables"];
if address :localpart :matches "from" "*" { redirect "${1}-copy@example.org"; }
