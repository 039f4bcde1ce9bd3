# message: plain.eml
require "date";
if date :zone "0800" :is "date" "year" "2024" { keep; }
