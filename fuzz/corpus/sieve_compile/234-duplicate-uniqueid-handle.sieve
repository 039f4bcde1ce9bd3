# message: plain.eml
require ["duplicate", "fileinto", "variables"];
if header :matches "subject" "*" { set "s" "${1}"; }
if duplicate :handle "h" :uniqueid "${s}" { fileinto "Dup"; }
