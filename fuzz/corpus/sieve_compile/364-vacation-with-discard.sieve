# message: plain.eml
require "vacation";
vacation "Away.";
discard;
