# message: plain.eml
if frob { keep; }
