# message: plain.eml
require "date";
if date :is "date" "century" "20" { keep; }
