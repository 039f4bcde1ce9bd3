# message: plain.eml
require "fileinto";
if true { if true { if true { if true { if true { fileinto "Deep"; } } } } }
