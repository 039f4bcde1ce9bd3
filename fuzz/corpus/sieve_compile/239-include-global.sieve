# message: spam.eml
require "include";
include :global "spam";
