# message: group.eml
require "vacation";
vacation "I am away.";
