# message: plain.eml
require "fileinto";
if header :contains "subject" ["\"quoted\"", "hel\lo"] { fileinto "Esc"; }
