# message: plain.eml
# differs: Pigeonhole resolves includes when compiling; we are sans-IO and find a missing script when running (an error: the message is kept)
require "include";
include "no-such-script";
