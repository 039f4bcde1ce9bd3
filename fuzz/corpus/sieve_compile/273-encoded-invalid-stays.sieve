# message: plain.eml
require ["encoded-character", "fileinto"];
fileinto "x${hex:zz}";
