# message: plain.eml
require "fileinto";
if header :matches "x-none" "*" { fileinto "Star"; } else { fileinto "NoHeader"; }
