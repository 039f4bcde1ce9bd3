# message: plain.eml
# from: list-request@example.com
require "vacation";
vacation "I am away.";
