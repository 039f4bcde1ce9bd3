# message: plain.eml
require "envelope";
if envelope :is "orig" "x" { keep; }
