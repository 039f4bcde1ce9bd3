//! The stop signal: one trigger, any number of listeners and sessions watching it.

use tokio::sync::watch;

/// Creates a connected trigger and signal.
pub fn shutdown_channel() -> (ShutdownTrigger, ShutdownSignal) {
    let (sender, receiver) = watch::channel(false);
    (ShutdownTrigger { sender }, ShutdownSignal { receiver })
}

/// Held by whoever decides to stop the server (the binary, on SIGTERM).
#[derive(Debug)]
pub struct ShutdownTrigger {
    sender: watch::Sender<bool>,
}

impl ShutdownTrigger {
    /// Tells every listener to stop accepting and every session to finish its
    /// current command. Idempotent.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Another signal watching this trigger.
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal { receiver: self.sender.subscribe() }
    }
}

/// Watched by listeners and handed to every session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    receiver: watch::Receiver<bool>,
}

/// Lets callers that already hold a `watch::Receiver<bool>` (true = stop) pass it as is.
impl From<watch::Receiver<bool>> for ShutdownSignal {
    fn from(receiver: watch::Receiver<bool>) -> Self {
        ShutdownSignal { receiver }
    }
}

impl ShutdownSignal {
    /// Whether shutdown has begun; sessions check it between commands.
    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow() || self.receiver.has_changed().is_err()
    }

    /// Completes once shutdown has begun. A dropped trigger counts as one: a
    /// server whose controller is gone must not run on unsupervised.
    pub async fn triggered(&mut self) {
        // `wait_for` returns Err only when the trigger is dropped.
        let _ = self.receiver.wait_for(|&stopping| stopping).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_signal_sees_the_trigger() {
        let (trigger, mut first) = shutdown_channel();
        let mut second = trigger.signal();
        let mut late_clone = first.clone();
        assert!(!first.is_triggered());
        trigger.trigger();
        first.triggered().await;
        second.triggered().await;
        late_clone.triggered().await;
        assert!(second.is_triggered());
    }

    #[tokio::test]
    async fn dropping_the_trigger_means_shutdown() {
        let (trigger, mut signal) = shutdown_channel();
        drop(trigger);
        signal.triggered().await;
        assert!(signal.is_triggered());
    }
}
