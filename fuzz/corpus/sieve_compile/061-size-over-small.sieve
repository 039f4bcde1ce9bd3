# message: plain.eml
require "fileinto";
if size :over 100K { fileinto "Big"; } else { fileinto "Small"; }
