# message: plain.eml
require ["include", "fileinto"];
include "returns";
fileinto "Main";
