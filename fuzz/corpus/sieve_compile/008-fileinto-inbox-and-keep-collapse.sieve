# message: plain.eml
require "fileinto";
keep;
fileinto "INBOX";
