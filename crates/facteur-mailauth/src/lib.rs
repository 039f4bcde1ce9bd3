//! Sender authentication (skeleton).
