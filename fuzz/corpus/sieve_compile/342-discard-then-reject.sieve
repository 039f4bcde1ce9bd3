# message: plain.eml
require "reject";
discard;
reject "no";
