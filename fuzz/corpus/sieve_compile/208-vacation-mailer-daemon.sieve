# message: plain.eml
# from: MAILER-DAEMON@example.com
require "vacation";
vacation "I am away.";
