# message: plain.eml
require "fileinto";
fileinto :create "X";
