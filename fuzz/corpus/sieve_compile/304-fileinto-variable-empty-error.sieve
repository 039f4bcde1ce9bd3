# message: plain.eml
# differs: an empty mailbox name is a run-time error here; Pigeonhole lists the action and fails when storing: either way the message is kept
require ["fileinto", "variables"];
fileinto "${empty}";
