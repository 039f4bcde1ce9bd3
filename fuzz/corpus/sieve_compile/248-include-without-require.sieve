# message: plain.eml
include "lists";
