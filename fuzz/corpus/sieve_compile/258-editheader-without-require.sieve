# message: plain.eml
# extensions: +editheader
addheader "X-A" "b";
