# message: plain.eml
require "body";
if body :raw :text :contains "x" { keep; }
