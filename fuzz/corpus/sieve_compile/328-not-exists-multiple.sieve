# message: plain.eml
require "fileinto";
if not exists ["x-none", "subject"] { fileinto "NotAll"; }
