# message: plain.eml
# nothing at all
