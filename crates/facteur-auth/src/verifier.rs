//! Password verification on a few long-lived threads, shared by every protocol of the process.
//!
//! An argon2 check allocates 19 MiB. Run on tokio's blocking pool, each check may land on a fresh thread,
//! and glibc keeps a memory arena per thread that it does not give back: 100 logins left 1.8 GB resident,
//! 2,000 got the server killed by the kernel. A fixed set of verifier threads (one per core: argon2 is
//! CPU-bound, more checks at once only queue) bounds both the memory and the CPU, for IMAP, POP3 and SMTP
//! together. Unknown users are checked against a dummy hash, at the same cost, so timing does not reveal
//! them. Successful checks are remembered for a while ([`LoginCache`]).

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use tokio::sync::oneshot;
use tracing::warn;

use crate::login_cache::{DEFAULT_CAPACITY, DEFAULT_TTL, LoginCache};
use crate::password::{verify_against_dummy, verify_password};

/// One check: the stored hash (`None` for an unknown user), the candidate, where to answer.
struct Check {
    hash: Option<String>,
    password: String,
    answer: oneshot::Sender<bool>,
}

/// A queue of password checks served by a fixed number of threads, in front of a [`LoginCache`].
pub struct PasswordVerifier {
    checks: Mutex<mpsc::Sender<Check>>,
    cache: LoginCache,
}

impl std::fmt::Debug for PasswordVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordVerifier").field("cache", &self.cache).finish_non_exhaustive()
    }
}

impl PasswordVerifier {
    /// Starts `threads` verifier threads; they end when the verifier is dropped.
    pub fn new(threads: usize, cache: LoginCache) -> PasswordVerifier {
        let (sender, receiver) = mpsc::channel::<Check>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let spawned =
                std::thread::Builder::new().name(format!("password-check-{index}")).spawn(move || serve(&receiver));
            if let Err(error) = spawned {
                warn!(%error, "cannot start a password verifier thread");
            }
        }
        PasswordVerifier { checks: Mutex::new(sender), cache }
    }

    /// The process's verifier: one thread per core, the default cache. Protocols share it so that the bound
    /// on argon2's memory and CPU holds for the whole process.
    pub fn shared() -> Arc<PasswordVerifier> {
        static SHARED: OnceLock<Arc<PasswordVerifier>> = OnceLock::new();
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        Arc::clone(
            SHARED
                .get_or_init(|| Arc::new(PasswordVerifier::new(cores, LoginCache::new(DEFAULT_TTL, DEFAULT_CAPACITY)))),
        )
    }

    /// Whether `password` matches `hash`; always false for an unknown user (`hash` = `None`).
    pub async fn verify(&self, hash: Option<String>, password: String) -> bool {
        if let Some(hash) = &hash
            && self.cache.knows(hash, &password, Instant::now())
        {
            return true;
        }
        let (answer, answered) = oneshot::channel();
        let remembered = hash.as_ref().map(|hash| (hash.clone(), password.clone()));
        let queued = {
            let sender = self.checks.lock().unwrap_or_else(PoisonError::into_inner);
            sender.send(Check { hash, password, answer }).is_ok()
        };
        let matches = queued && answered.await.unwrap_or(false);
        if matches && let Some((hash, password)) = remembered {
            self.cache.remember(&hash, &password, Instant::now());
        }
        matches
    }
}

fn serve(receiver: &Mutex<mpsc::Receiver<Check>>) {
    loop {
        let next = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
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
    use std::time::Duration;

    use super::*;
    use crate::password::hash_password;

    #[tokio::test]
    async fn right_and_wrong_passwords_and_unknown_users() {
        let verifier = PasswordVerifier::new(1, LoginCache::new(Duration::from_secs(60), 10));
        let hash = hash_password("s3cret passphrase").unwrap();
        assert!(verifier.verify(Some(hash.clone()), "s3cret passphrase".into()).await);
        // Now cached; a wrong password still fails.
        assert!(verifier.verify(Some(hash.clone()), "s3cret passphrase".into()).await);
        assert!(!verifier.verify(Some(hash), "wrong".into()).await);
        assert!(!verifier.verify(None, "anything".into()).await);
    }
}
