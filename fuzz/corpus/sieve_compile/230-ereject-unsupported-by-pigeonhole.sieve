# message: plain.eml
# differs: Pigeonhole 0.5.19 has no ereject (RFC 5429 §2.1); we do
require "ereject";
ereject "no";
