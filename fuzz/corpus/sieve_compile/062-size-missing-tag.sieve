# message: plain.eml
if size 100 { keep; }
