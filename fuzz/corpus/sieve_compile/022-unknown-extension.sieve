# message: plain.eml
require "x-unknown";
keep;
