//! Rate-limited warnings: stderr is the fallback logger of a failing pipeline, and must not
//! flood.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// At most one warning per kind per this interval.
pub(crate) const WARN_INTERVAL: Duration = Duration::from_secs(10);

/// Allows one event per [`WARN_INTERVAL`], lock-free.
#[derive(Debug)]
pub(crate) struct RateLimit {
    // Milliseconds since `EPOCH` of the last allowed event, plus one (0 = never).
    last: AtomicU64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            last: AtomicU64::new(0),
        }
    }
}

fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl RateLimit {
    pub(crate) fn allow(&self) -> bool {
        let now = epoch().elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Ordering::Relaxed);
        if last != 0 && now.saturating_sub(last) < WARN_INTERVAL.as_millis() as u64 {
            return false;
        }
        self.last
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}
