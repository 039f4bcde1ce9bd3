# message: plain.eml
require ["reject", "variables"];
if address :localpart :matches "from" "*" { reject "No mail from ${1}."; }
