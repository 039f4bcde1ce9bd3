# message: plain.eml
require "fileinto";
if anyof (true) { fileinto "One"; }
