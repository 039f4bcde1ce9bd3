//! HTTP listener (skeleton).
