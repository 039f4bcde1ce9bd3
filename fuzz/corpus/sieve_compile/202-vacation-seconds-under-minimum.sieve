# message: plain.eml
# extensions: +vacation-seconds
require "vacation-seconds";
vacation :seconds 60 "Back soon.";
