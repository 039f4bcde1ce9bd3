# message: list.eml
require ["include", "fileinto"];
include "lists";
fileinto "After";
