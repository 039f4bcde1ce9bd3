# message: plain.eml
require "date";
if currentdate :originalzone :is "year" "2024" { keep; }
