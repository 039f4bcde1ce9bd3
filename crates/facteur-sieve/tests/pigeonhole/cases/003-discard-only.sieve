# message: plain.eml
discard;
