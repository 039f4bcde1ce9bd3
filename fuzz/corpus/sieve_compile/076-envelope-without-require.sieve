# message: plain.eml
if envelope :is "from" "x@y.z" { keep; }
