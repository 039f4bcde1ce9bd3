# message: plain.eml
require "copy";
redirect :copy "archive@example.org";
