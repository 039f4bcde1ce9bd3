//! At most so many connections to one destination domain at a time, whatever the global limit: a receiver
//! that sees dozens of connections from one sender may take it for an attack and throttle or refuse it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Domains remembered before idle ones are forgotten.
const REMEMBERED: usize = 1024;

#[derive(Debug)]
pub struct DomainLimits {
    per_domain: usize,
    domains: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl DomainLimits {
    pub fn new(per_domain: usize) -> DomainLimits {
        DomainLimits { per_domain: per_domain.max(1), domains: Mutex::default() }
    }

    /// Waits for a connection slot to `domain`; the slot is held until the permit drops.
    pub async fn acquire(&self, domain: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut domains = self.domains.lock().unwrap_or_else(PoisonError::into_inner);
            if domains.len() >= REMEMBERED {
                // Forget domains nobody is delivering to (all their slots free).
                domains.retain(|_, semaphore| semaphore.available_permits() < self.per_domain);
            }
            Arc::clone(domains.entry(domain.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.per_domain))))
        };
        semaphore.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_domain_gets_no_more_than_its_slots_while_others_are_free() {
        let limits = DomainLimits::new(2);
        let first = limits.acquire("a.test").await;
        let _second = limits.acquire("a.test").await;
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire("a.test")).await;
        assert!(third.is_err(), "a third connection to a.test must wait");
        assert!(limits.acquire("b.test").await.is_some(), "another domain is not held up");
        drop(first);
        assert!(limits.acquire("a.test").await.is_some(), "a freed slot is taken");
    }
}
