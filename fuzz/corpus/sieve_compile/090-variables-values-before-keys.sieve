# message: encoded.eml
require ["variables", "fileinto"];
if header :matches "x-a" ["s*", "f*"] { fileinto "${1}"; }
