//! SMTP server (in progress).
