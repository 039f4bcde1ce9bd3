# message: plain.eml
require ["date", "fileinto"];
if currentdate :zone "+0100" :is "zone" "+0100" { fileinto "Zone"; }
