# message: plain.eml
require "fileinto";
if not not true { fileinto "Yes"; }
