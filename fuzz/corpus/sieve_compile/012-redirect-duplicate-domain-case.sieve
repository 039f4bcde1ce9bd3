# message: plain.eml
redirect "bob@example.org";
redirect "bob@EXAMPLE.org";
