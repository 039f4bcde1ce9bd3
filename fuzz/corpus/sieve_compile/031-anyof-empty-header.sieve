# message: plain.eml
require "fileinto";
if anyof (header :is "x-none" "", false) { fileinto "Yes"; }
