# message: plain.eml
require "relational";
if header :value "bigger" "subject" "a" { keep; }
