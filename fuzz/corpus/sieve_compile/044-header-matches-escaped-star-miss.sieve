# message: spam.eml
require "fileinto";
if header :matches "subject" "*\\?*" { fileinto "Q"; } else { fileinto "NoQ"; }
