# message: plain.eml
require "fileinto";
fileinto "Lists.sieve";
fileinto "Archive/2024";
