# message: odd.eml
require "fileinto";
if header :is "x-spaces" "padded value" { fileinto "Trimmed"; } else { fileinto "NotTrimmed"; }
