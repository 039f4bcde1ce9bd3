# message: plain.eml
require "fileinto";
fileinto "Work";
fileinto "Work";
