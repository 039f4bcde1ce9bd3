# message: plain.eml
require "regex";
if header :regex "subject" "([a-z" { keep; }
