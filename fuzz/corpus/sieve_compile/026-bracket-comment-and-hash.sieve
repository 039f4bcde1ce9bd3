# message: plain.eml
/* a bracket
   comment */ # and a line comment
require "fileinto"; # trailing
fileinto /* inline */ "Work";
