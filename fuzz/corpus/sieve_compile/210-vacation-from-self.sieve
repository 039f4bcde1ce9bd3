# message: plain.eml
# from: me@example.net
require "vacation";
vacation "I am away.";
