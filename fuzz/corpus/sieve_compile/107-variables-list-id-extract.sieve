# message: list.eml
require ["variables", "fileinto"];
if header :matches "list-id" "*<*.example.com>*" { fileinto "lists.${2}"; }
