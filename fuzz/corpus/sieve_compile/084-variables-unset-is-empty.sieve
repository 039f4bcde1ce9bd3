# message: plain.eml
require ["variables", "fileinto"];
fileinto "Box${nothing}X";
