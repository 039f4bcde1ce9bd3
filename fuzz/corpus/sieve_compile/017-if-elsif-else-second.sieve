# message: plain.eml
require "fileinto";
if false { fileinto "A"; } elsif true { fileinto "B"; } else { fileinto "C"; }
