# message: spam.eml
require ["body", "fileinto"];
if body :text :matches "*cheap*" { fileinto "Cheap"; }
