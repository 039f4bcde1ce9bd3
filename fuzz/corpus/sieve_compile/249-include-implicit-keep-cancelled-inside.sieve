# message: plain.eml
require "include";
include "discards";
