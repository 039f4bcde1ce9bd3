# message: spam.eml
require "fileinto";
if header :matches "x-spam-level" "\\*\\*\\*\\*\\**" { fileinto "Junk"; }
