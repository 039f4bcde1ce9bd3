# message: spam.eml
require "fileinto";
if header :contains "x-spam-level" "*****" { fileinto "Junk"; }
