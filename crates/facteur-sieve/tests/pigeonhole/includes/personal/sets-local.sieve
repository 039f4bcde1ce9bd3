require ["variables", "fileinto"];
set "target" "Inner";
fileinto "${target}";
