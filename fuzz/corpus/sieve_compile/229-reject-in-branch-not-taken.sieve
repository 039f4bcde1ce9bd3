# message: plain.eml
require ["reject", "fileinto"];
if false { reject "no"; }
fileinto "Fine";
