//! Password verification on a few long-lived threads.
//!
//! An argon2 check allocates 19 MiB. Run on tokio's blocking pool, each check may land on a fresh thread,
//! and glibc keeps a memory arena per thread that it does not give back: 100 logins left 1.8 GB resident,
//! 2,000 got the server killed by the kernel. A fixed set of verifier threads bounds both the memory
//! (one arena each) and the CPU (argon2 is CPU-bound: more checks at once than cores only queue).
//! Unknown users are checked against a dummy hash, at the same cost, so timing does not reveal them.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use facteur_auth::{verify_against_dummy, verify_password};
use tokio::sync::oneshot;
use tracing::warn;

/// One check: the stored hash (`None` for an unknown user), the candidate, where to answer.
struct Check {
    hash: Option<String>,
    password: String,
    answer: oneshot::Sender<bool>,
}

/// A queue of password checks served by a fixed number of threads.
pub struct PasswordVerifier {
    checks: Mutex<mpsc::Sender<Check>>,
}

impl std::fmt::Debug for PasswordVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordVerifier")
    }
}

impl PasswordVerifier {
    /// Starts `threads` verifier threads; they end when the verifier is dropped.
    pub fn new(threads: usize) -> PasswordVerifier {
        let (sender, receiver) = mpsc::channel::<Check>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let spawned =
                std::thread::Builder::new().name(format!("imap-verify-{index}")).spawn(move || serve(&receiver));
            if let Err(error) = spawned {
                warn!(%error, "cannot start a password verifier thread");
            }
        }
        PasswordVerifier { checks: Mutex::new(sender) }
    }

    /// Whether `password` matches `hash`; always false for an unknown user (`hash` = `None`).
    pub async fn verify(&self, hash: Option<String>, password: String) -> bool {
        let (answer, answered) = oneshot::channel();
        let queued = {
            let sender = self.checks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            sender.send(Check { hash, password, answer }).is_ok()
        };
        queued && answered.await.unwrap_or(false)
    }
}

fn serve(receiver: &Mutex<mpsc::Receiver<Check>>) {
    loop {
        let next = receiver.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
        let Ok(check) = next else { return };
        let matches = match &check.hash {
            Some(hash) => verify_password(hash, &check.password),
            None => {
                verify_against_dummy(&check.password);
                false
            }
        };
        let _ = check.answer.send(matches);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn right_and_wrong_passwords_and_unknown_users() {
        let verifier = PasswordVerifier::new(1);
        let hash = facteur_auth::hash_password("s3cret passphrase").unwrap();
        assert!(verifier.verify(Some(hash.clone()), "s3cret passphrase".into()).await);
        assert!(!verifier.verify(Some(hash), "wrong".into()).await);
        assert!(!verifier.verify(None, "anything".into()).await);
    }
}
