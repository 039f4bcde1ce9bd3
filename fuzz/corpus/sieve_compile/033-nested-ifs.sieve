# message: plain.eml
require "fileinto";
if true { if false { fileinto "A"; } else { if true { fileinto "B"; stop; } } }
fileinto "C";
