# message: plain.eml
require "vacation";
vacation :days 3 :subject "Out of office" "I am away.";
