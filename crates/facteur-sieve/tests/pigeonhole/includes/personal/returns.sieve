require ["include", "fileinto"];
fileinto "Inc";
return;
fileinto "NotReached";
