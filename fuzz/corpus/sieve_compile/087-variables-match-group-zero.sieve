# message: plain.eml
require ["variables", "fileinto"];
if header :matches "subject" "*hello*" { set "whole" "${0}"; fileinto "W-${whole}"; }
