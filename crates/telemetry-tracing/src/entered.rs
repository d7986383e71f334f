//! The scopes that entered `tracing` spans made current on this thread, so that exiting a span
//! restores what was current before it.
//!
//! A `ContextGuard` restores the previous scope when dropped, but it is `!Send` and a span's
//! enter and exit are separate callbacks, so the guards wait here, one stack per thread, keyed
//! by span id: `tracing` enters and exits a span on the same thread (`Entered` guards are
//! `!Send`, `Instrument` enters and exits within one `poll`).

use std::cell::RefCell;

use telemetry_core::{Context, ContextGuard};
use tracing_core::span::Id;

thread_local! {
    static ENTERED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

/// Makes `context` current until [`exit`] is called with the same `id` on this thread.
pub(crate) fn enter(id: &Id, context: &Context) {
    let guard = context.attach();
    let _ = ENTERED.try_with(|stack| stack.borrow_mut().push((id.clone(), guard)));
}

/// Restores what was current before the latest [`enter`] of `id` on this thread; nothing if
/// `id` made nothing current here (a span whose scope records nothing).
///
/// Spans exit in the reverse order of entering (`tracing` guards nest). An exit out of that
/// order restores the scope current when `id` was entered; the spans entered after it then
/// restore theirs as they exit.
pub(crate) fn exit(id: &Id) {
    let guard = ENTERED
        .try_with(|stack| {
            let mut stack = stack.borrow_mut();
            let at = stack.iter().rposition(|(entered, _)| entered == id)?;
            Some(stack.remove(at).1)
        })
        .ok()
        .flatten();
    // Dropped outside the borrow: restoring touches only the core's own thread-local.
    drop(guard);
}
