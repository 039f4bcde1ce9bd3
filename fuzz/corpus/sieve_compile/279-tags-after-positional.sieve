# message: plain.eml
if header "subject" :is "x" { keep; }
