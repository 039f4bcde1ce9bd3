# message: odd.eml
# from: john.public@example.com
require "vacation";
vacation "Away.";
