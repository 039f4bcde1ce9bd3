# message: plain.eml
require "fileinto";
fileinto "A";
discard;
fileinto "B";
