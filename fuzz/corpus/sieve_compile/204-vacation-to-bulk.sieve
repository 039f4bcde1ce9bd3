# message: bulk.eml
require "vacation";
vacation "I am away.";
