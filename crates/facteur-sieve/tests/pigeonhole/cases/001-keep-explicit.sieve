# message: plain.eml
keep;
