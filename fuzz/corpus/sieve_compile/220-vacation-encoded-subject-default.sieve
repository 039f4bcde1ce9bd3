# message: base64.eml
require "vacation";
vacation "Away.";
