# message: plain.eml
require "vacation";
vacation :mime :subject "MIME" text:
Content-Type: text/plain; charset=utf-8

Away.
.
;
