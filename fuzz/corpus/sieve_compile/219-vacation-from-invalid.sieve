# message: plain.eml
require "vacation";
vacation :from "not valid" "x";
