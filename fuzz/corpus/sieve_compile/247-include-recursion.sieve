# message: plain.eml
# differs: Pigeonhole finds include loops when compiling; we find them when running (an error: the message is kept)
require "include";
include "loop-a";
