# message: plain.eml
require "index";
if header :last :is "x-a" "first" { keep; }
