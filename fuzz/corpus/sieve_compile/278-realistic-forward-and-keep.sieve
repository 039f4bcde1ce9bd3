# message: subaddress.eml
require ["copy", "subaddress", "fileinto"];
if address :detail :is "to" "work" { redirect :copy "me@work.example"; fileinto "Work"; }
