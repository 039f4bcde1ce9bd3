# message: plain.eml
stop;
discard;
