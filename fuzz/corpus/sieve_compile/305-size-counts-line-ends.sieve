# message: plain.eml
require "fileinto";
if size :over 150 { fileinto "Over"; } else { fileinto "Under"; }
