# message: plain.eml
else { keep; }
