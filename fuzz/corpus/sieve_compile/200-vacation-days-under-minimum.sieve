# message: plain.eml
require "vacation";
vacation :days 0 "I am away.";
