# message: plain.eml
require ["include", "variables", "fileinto"];
global "target";
set "target" "FromMain";
include "uses-global";
