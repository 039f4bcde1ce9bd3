# message: subaddress.eml
require "fileinto";
if address :localpart :is ["to", "cc"] "dave" { fileinto "Dave"; }
