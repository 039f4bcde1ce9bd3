require ["fileinto", "variables"];
if header :matches "list-id" "*<*.example.com>*" { fileinto "lists.${2}"; }
