# message: plain.eml
if body :contains "x" { keep; }
