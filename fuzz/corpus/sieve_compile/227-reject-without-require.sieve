# message: plain.eml
reject "no";
