# message: plain.eml
require "vacation";
vacation :handle "ooo" :days 2 "Away.";
