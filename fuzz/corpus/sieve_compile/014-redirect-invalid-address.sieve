# message: plain.eml
redirect "not an address";
