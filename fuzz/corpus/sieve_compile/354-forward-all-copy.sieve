# message: plain.eml
require ["copy"];
redirect :copy "me@backup.example";
