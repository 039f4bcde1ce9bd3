# message: plain.eml
require ["include", "fileinto"];
fileinto "Before";
return;
fileinto "After";
