# message: plain.eml
require "fileinto";
if anyof (false, true) { fileinto "Yes"; }
