# message: plain.eml
if size :over 10X { keep; }
