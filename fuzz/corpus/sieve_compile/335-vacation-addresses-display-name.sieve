# message: notme.eml
require "vacation";
vacation :addresses ["Team <team@example.org>"] "Away.";
