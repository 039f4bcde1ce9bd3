# message: plain.eml
require ["include", "fileinto"];
include :optional "no-such-script";
fileinto "Fine";
