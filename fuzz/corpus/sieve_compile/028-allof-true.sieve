# message: plain.eml
require "fileinto";
if allof (true, not false) { fileinto "Yes"; }
