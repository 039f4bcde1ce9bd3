# message: plain.eml
require ["include", "fileinto"];
include "stops";
fileinto "Never";
