# message: plain.eml
require "relational";
if header :value "eq" :comparator "i;ascii-numeric" "x" "1" { keep; }
