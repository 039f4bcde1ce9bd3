# message: multipart.eml
require ["body", "fileinto"];
if body :content "multipart" :contains "prologue" { fileinto "Pro"; }
if body :content "multipart" :contains "epilogue" { fileinto "Epi"; }
