//! OS threads that start in the caller's scope: [`spawn`], [`spawn_with`] and scoped threads
//! through [`ThreadScopeExt`].
//!
//! The snapshot ([`Context::current`]) is taken at the call and is current for the whole run
//! of the closure on the new thread; the thread's previous (empty) context is restored when the
//! closure returns or panics.

use std::io;
use std::thread::{Builder, JoinHandle, Scope, ScopedJoinHandle};

use telemetry_core::Context;

/// [`std::thread::spawn`] with the caller's current scope current on the new thread.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
///
/// let c = BasicContextualCorrelator::new();
/// let batch = c.enter_scope("batch_processing", &[]);
/// let worker = telemetry_tasks::thread::spawn(|| BasicContextualCorrelator::new().correlation_id());
/// assert_eq!(worker.join().unwrap(), batch.correlation_id());
/// ```
///
/// # Panics
/// As [`std::thread::spawn`]: if the OS cannot create a thread. Use [`spawn_with`] to get the
/// error instead.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(Context::current().wrap_fn(f))
}

/// [`Builder::spawn`] (named threads, stack sizes) with the caller's current scope current on
/// the new thread.
///
/// # Errors
/// As [`Builder::spawn`]: the OS could not create the thread.
pub fn spawn_with<F, T>(builder: Builder, f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    builder.spawn(Context::current().wrap_fn(f))
}

/// Spawning scoped threads ([`std::thread::scope`]) in the caller's current scope.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::thread::ThreadScopeExt;
///
/// let c = BasicContextualCorrelator::new();
/// let parent = c.enter_scope("parallel_operations", &[]);
/// let ids: Vec<_> = std::thread::scope(|s| {
///     let workers: Vec<_> = ["database_search", "llm_call"]
///         .into_iter()
///         .map(|name| s.spawn_in_current_scope(move || c.in_scope(name, &[], || c.correlation_id())))
///         .collect();
///     workers.into_iter().map(|w| w.join().unwrap()).collect()
/// });
/// assert!(ids.iter().all(|id| *id == parent.correlation_id()));
/// ```
pub trait ThreadScopeExt<'scope> {
    /// [`Scope::spawn`] with the caller's current scope current on the new thread.
    fn spawn_in_current_scope<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope;
}

impl<'scope> ThreadScopeExt<'scope> for Scope<'scope, '_> {
    fn spawn_in_current_scope<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn(Context::current().wrap_fn(f))
    }
}
