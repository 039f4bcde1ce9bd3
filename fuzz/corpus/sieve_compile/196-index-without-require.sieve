# message: plain.eml
if header :index 1 :is "x-a" "first" { keep; }
