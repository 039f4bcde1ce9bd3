# message: auto.eml
require "vacation";
vacation "I am away.";
