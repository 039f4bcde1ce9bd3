# message: odd.eml
require "fileinto";
if header :is "subject" "café crème" { fileinto "Joined"; } else { fileinto "NotJoined"; }
