# message: plain.eml
require "fileinto";
if true { fileinto "A"; } elsif true { fileinto "B"; } else { fileinto "C"; }
