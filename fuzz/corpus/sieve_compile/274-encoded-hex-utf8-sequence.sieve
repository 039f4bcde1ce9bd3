# message: plain.eml
require ["encoded-character", "fileinto"];
fileinto "${hex:43 61 66 c3 a9}";
