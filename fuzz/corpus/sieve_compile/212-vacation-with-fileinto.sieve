# message: plain.eml
require ["vacation", "fileinto"];
fileinto "Away";
vacation :subject "Gone" "I am away.";
