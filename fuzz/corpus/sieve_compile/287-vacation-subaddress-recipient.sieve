# message: subaddress.eml
# from: carol+news@example.com
# to: me+work@example.net
require "vacation";
vacation "I am away.";
