# message: plain.eml
require "reject";
reject text:
Sorry, not today.
.
;
