//! When to try again after a temporary failure. RFC 5321 §4.5.4.1 asks for at least 30 minutes between
//! attempts to one destination once the first retries have failed, and for giving up after 4–5 days; we
//! start shorter (most temporary failures, greylisting first, clear within minutes) and double up to a cap.

use std::time::Duration;

/// Doubling back-off: `first`, 2×`first`, 4×`first`… never more than `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub first: Duration,
    pub cap: Duration,
}

impl Default for RetrySchedule {
    /// 5m, 10m, 20m, 40m, 80m, 160m, then every 4h.
    fn default() -> Self {
        RetrySchedule { first: Duration::from_secs(5 * 60), cap: Duration::from_secs(4 * 3600) }
    }
}

impl RetrySchedule {
    /// The wait after the `failures`-th failed attempt (1 = the first one failed).
    pub fn delay_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let factor = 1u32 << doublings;
        self.first.checked_mul(factor).map_or(self.cap, |delay| delay.min(self.cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_doubles_from_five_minutes_up_to_four_hours() {
        let schedule = RetrySchedule::default();
        let minutes: Vec<u64> = (1..=9).map(|n| schedule.delay_after(n).as_secs() / 60).collect();
        assert_eq!(minutes, [5, 10, 20, 40, 80, 160, 240, 240, 240]);
    }

    #[test]
    fn huge_attempt_counts_stay_at_the_cap_without_overflow() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.delay_after(u32::MAX), schedule.cap);
        assert_eq!(schedule.delay_after(0), schedule.first);
    }
}
