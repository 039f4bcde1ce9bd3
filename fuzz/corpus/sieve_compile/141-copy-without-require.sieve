# message: plain.eml
require "fileinto";
fileinto :copy "Archive";
