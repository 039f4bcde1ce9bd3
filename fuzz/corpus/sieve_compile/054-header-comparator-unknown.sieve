# message: plain.eml
if header :comparator "i;frob" :is "subject" "x" { keep; }
