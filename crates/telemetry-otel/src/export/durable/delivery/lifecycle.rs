//! The lifecycle's side of a [`Delivery`]: marks, flush and shutdown, each bounded by a
//! deadline, and the error that names what was still queued or given up on.

use std::time::{Duration, Instant};

use super::{Delivery, Mark, State};

impl Delivery {
    pub(crate) fn mark(&self) -> Mark {
        Mark(self.state.lock().given_up)
    }

    /// Waits until everything queued is delivered or given up on, or until `deadline`.
    ///
    /// # Errors
    /// The signal and why: requests given up on since `mark`, or still queued at the
    /// deadline (with the latest failure).
    pub(crate) fn flush(&self, mark: Mark, deadline: Instant) -> Result<(), String> {
        let mut st = self.state.lock();
        while !(st.queue.is_empty() || st.stopped) {
            if self.changed.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        self.result(&st, mark)
    }

    /// Delivers until the queue is empty or `deadline`, then keeps on disk or drops what is
    /// left, and ends the thread.
    ///
    /// # Errors
    /// As [`Delivery::flush`].
    pub(crate) fn shutdown(&self, mark: Mark, deadline: Instant) -> Result<(), String> {
        let mut st = self.state.lock();
        st.closing = Some(deadline);
        self.changed.notify_all();
        // A little past the deadline: the thread's last attempt is bounded by it.
        let wait_until = deadline + Duration::from_millis(50);
        while !st.stopped {
            if self.changed.wait_until(&mut st, wait_until).timed_out() {
                break;
            }
        }
        if !st.stopped && !st.queue.busy {
            // The thread has not woken up yet: do its part.
            self.abandon(&mut st);
        }
        self.result(&st, mark)
    }

    fn result(&self, st: &State, mark: Mark) -> Result<(), String> {
        if !st.queue.is_empty() {
            let latest = self
                .stats
                .signal(self.signal)
                .last_error
                .lock()
                .clone()
                .unwrap_or_else(|| "none yet".to_owned());
            return Err(format!(
                "{}: {} requests ({} items) still queued for delivery, retrying; latest error: \
                 {latest}",
                self.signal,
                st.queue.len(),
                st.queue.items()
            ));
        }
        if st.given_up > mark.0 {
            return Err(format!(
                "{}: {} export requests dropped; latest: {}",
                self.signal,
                st.given_up - mark.0,
                st.last_given_up.as_deref().unwrap_or("")
            ));
        }
        Ok(())
    }
}
