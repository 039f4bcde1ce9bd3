# message: plain.eml
require "vacation";
vacation :from "Me Myself <me@example.net>" :subject "Away" "Away.";
