# message: plain.eml
require "fileinto";
if allof (true, false) { fileinto "Yes"; }
