# message: odd.eml
require "fileinto";
if header :is "x-empty" "" { fileinto "Empty"; } else { fileinto "NotEmpty"; }
