# message: plain.eml
if address :user :is "to" "me" { keep; }
