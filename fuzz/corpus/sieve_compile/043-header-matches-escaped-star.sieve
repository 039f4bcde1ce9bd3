# message: spam.eml
require "fileinto";
if header :matches "subject" "*\\*\\*\\**" { fileinto "Stars"; } else { fileinto "NoStars"; }
