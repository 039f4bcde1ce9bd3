# message: plain.eml
require ["vacation", "reject"];
reject "no";
vacation "away";
