# message: subaddress.eml
# from: carol+news@example.com
# to: dave@example.org
require "vacation";
vacation :subject "Away" "I am away.";
