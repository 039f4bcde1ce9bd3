# message: notme.eml
require "vacation";
vacation :addresses ["team@example.org"] "I am away.";
