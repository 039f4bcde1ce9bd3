# message: plain.eml
if duplicate { keep; }
