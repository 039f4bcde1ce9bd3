# message: plain.eml
fileinto "Work";
