# message: plain.eml
require ["fileinto", "mailbox"];
fileinto :create "Box";
fileinto "Box";
