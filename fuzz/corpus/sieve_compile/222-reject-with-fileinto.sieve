# message: plain.eml
require ["reject", "fileinto"];
reject "no";
fileinto "X";
