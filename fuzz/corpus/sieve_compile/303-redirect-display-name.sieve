# message: plain.eml
redirect "Bob <bob@example.org>";
