# message: plain.eml
discard;
keep;
