# message: plain.eml
require ["reject", "copy"];
reject "no";
redirect :copy "x@example.org";
