# message: plain.eml
redirect "bob@example.org";
keep;
