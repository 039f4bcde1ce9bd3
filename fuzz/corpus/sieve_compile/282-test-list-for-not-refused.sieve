# message: plain.eml
if not (true) { keep; }
