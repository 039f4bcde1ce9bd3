# message: plain.eml
require "fileinto";
if exists "MESSAGE-ID" { fileinto "HasId"; }
