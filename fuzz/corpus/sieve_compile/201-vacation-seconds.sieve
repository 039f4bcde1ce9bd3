# message: plain.eml
# extensions: +vacation-seconds
require "vacation-seconds";
vacation :seconds 172800 "Back soon.";
