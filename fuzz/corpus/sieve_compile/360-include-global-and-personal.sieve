# message: list.eml
require ["include", "fileinto"];
include :global "spam";
include :personal "lists";
