# message: plain.eml
if address :is "subject" "x" { keep; }
