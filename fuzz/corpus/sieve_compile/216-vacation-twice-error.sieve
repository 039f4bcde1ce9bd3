# message: plain.eml
require "vacation";
vacation "a";
vacation "b";
