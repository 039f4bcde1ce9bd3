# message: plain.eml
require "reject";
reject "no";
discard;
