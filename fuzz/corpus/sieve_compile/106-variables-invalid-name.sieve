# message: plain.eml
require "variables";
set "1abc" "x";
