require "fileinto";
fileinto "Inc";
stop;
