# message: plain.eml
addflag "\\Seen";
