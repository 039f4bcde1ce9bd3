# message: plain.eml
require "fileinto";
if exists ["from", "x-nope"] { fileinto "All"; } else { fileinto "NotAll"; }
