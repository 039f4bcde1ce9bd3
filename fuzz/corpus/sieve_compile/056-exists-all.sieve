# message: plain.eml
require "fileinto";
if exists ["from", "to", "subject"] { fileinto "All"; }
