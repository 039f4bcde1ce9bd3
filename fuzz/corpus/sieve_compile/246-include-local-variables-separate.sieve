# message: plain.eml
require ["include", "variables", "fileinto"];
set "target" "Main";
include "sets-local";
fileinto "${target}";
