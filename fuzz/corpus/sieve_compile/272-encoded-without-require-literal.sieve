# message: plain.eml
require "fileinto";
fileinto "x${hex:41}";
