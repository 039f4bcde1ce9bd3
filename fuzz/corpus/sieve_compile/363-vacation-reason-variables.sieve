# message: plain.eml
require ["vacation", "variables"];
if address :localpart :matches "from" "*" { set "who" "${1}"; }
vacation :subject "Hello ${who}" "Dear ${who}, I am away.";
