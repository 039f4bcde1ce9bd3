# message: plain.eml
require ["include"];
include :once :optional "discards";
include :once "discards";
