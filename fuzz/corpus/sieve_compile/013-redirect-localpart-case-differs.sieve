# message: plain.eml
redirect "bob@example.org";
redirect "Bob@example.org";
