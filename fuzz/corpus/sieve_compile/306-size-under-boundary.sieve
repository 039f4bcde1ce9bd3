# message: plain.eml
require "fileinto";
if size :under 148 { fileinto "Under"; } else { fileinto "NotUnder"; }
