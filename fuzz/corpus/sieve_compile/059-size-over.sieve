# message: large.eml
require "fileinto";
if size :over 5K { fileinto "Big"; } else { fileinto "Small"; }
