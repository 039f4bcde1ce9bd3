# message: plain.eml
require ["copy", "fileinto"];
fileinto :copy "Archive";
fileinto "Work";
