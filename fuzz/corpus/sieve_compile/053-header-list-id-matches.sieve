# message: list.eml
require "fileinto";
if header :matches "list-id" "<*.example.com>" { fileinto "List"; }
