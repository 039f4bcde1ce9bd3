# message: plain.eml
require ["variables", "fileinto"];
if string :is "" "" { fileinto "Empty"; }
