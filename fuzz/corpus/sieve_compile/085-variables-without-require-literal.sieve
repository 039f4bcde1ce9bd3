# message: plain.eml
require "fileinto";
fileinto "${literal}";
