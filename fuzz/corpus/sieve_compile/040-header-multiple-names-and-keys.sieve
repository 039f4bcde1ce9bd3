# message: plain.eml
require "fileinto";
if header :contains ["x-none", "from"] ["zzz", "alice"] { fileinto "Hit"; }
