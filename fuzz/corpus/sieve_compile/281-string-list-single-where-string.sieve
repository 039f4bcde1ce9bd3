# message: plain.eml
require "fileinto";
fileinto ["A", "B"];
