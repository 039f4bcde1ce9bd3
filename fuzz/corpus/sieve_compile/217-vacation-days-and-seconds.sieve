# message: plain.eml
# extensions: +vacation-seconds
require "vacation-seconds";
vacation :days 1 :seconds 100 "x";
