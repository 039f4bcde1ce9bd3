# message: plain.eml
require "reject";
reject "Go away.";
