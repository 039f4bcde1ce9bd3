# message: notme.eml
require "vacation";
vacation "I am away.";
