//! Tokio tasks that start in the caller's scope: [`spawn`], [`spawn_blocking`], [`spawn_on`],
//! [`spawn_local`] and [`JoinSetExt`].
//!
//! Each takes a snapshot of the calling thread's current scope ([`Context::current`]) at the
//! call and makes it current inside the task: on every poll of a future, for the whole run of
//! a blocking closure. Scopes the task opens are children of that snapshot and carry its
//! correlation id, even if the caller's scope has ended by then.
//!
//! Cancellation: aborting a task (`JoinHandle::abort`, `JoinSet::abort_all`, dropping the
//! `JoinSet`) drops its future, so every scope opened inside with
//! [`CorrelatorExt::scoped`](telemetry_core::CorrelatorExt::scoped) or
//! [`Scope::instrument`](telemetry_core::Scope::instrument) ends as
//! [`ScopeEnd::Cancelled`](telemetry_core::ScopeEnd::Cancelled). A blocking closure cannot be
//! aborted once it runs; its scopes end when it returns.

use std::future::Future;

use telemetry_core::Context;
use tokio::runtime::Handle;
use tokio::task::{AbortHandle, JoinHandle, JoinSet, LocalSet};

/// [`tokio::spawn`] with the caller's current scope carried into the task.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let correlator = BasicContextualCorrelator::new();
/// let request = correlator.enter_scope("POST /v1/sessions", &[]);
/// let handle = telemetry_tasks::spawn(async move {
///     // Opened inside the task: a child of "POST /v1/sessions".
///     BasicContextualCorrelator::new().in_scope("invoke_agent planner", &[], || {
///         BasicContextualCorrelator::new().scope_path()
///     })
/// });
/// drop(request); // the task may outlive the caller's scope
/// assert_eq!(handle.await?, ["POST /v1/sessions", "invoke_agent planner"]);
/// # Ok(()) }
/// ```
///
/// # Panics
/// As [`tokio::spawn`]: outside a tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(Context::current().wrap(future))
}

/// [`Handle::spawn`] with the caller's current scope carried into the task, for spawning onto
/// another runtime.
#[track_caller]
pub fn spawn_on<F>(future: F, handle: &Handle) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    handle.spawn(Context::current().wrap(future))
}

/// [`tokio::task::spawn_blocking`] with the caller's current scope current while `f` runs on
/// the blocking pool.
///
/// # Panics
/// As [`tokio::task::spawn_blocking`]: outside a tokio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(Context::current().wrap_fn(f))
}

/// [`tokio::task::spawn_local`] with the caller's current scope carried into the task.
///
/// # Panics
/// As [`tokio::task::spawn_local`]: outside a [`LocalSet`].
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(Context::current().wrap(future))
}

/// [`LocalSet::spawn_local`] with the caller's current scope carried into the task.
#[track_caller]
pub fn spawn_local_on<F>(future: F, set: &LocalSet) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    set.spawn_local(Context::current().wrap(future))
}

/// Spawning into a [`JoinSet`] in the caller's current scope.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::JoinSetExt;
/// use tokio::task::JoinSet;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let c = BasicContextualCorrelator::new();
/// let batch = c.enter_scope("batch", &[]);
/// let mut set = JoinSet::new();
/// for i in 0..3 {
///     set.spawn_in_current_scope(async move { (i, BasicContextualCorrelator::new().correlation_id()) });
/// }
/// while let Some(done) = set.join_next().await {
///     assert_eq!(done?.1, batch.correlation_id());
/// }
/// # Ok(()) }
/// ```
pub trait JoinSetExt<T> {
    /// [`JoinSet::spawn`] with the caller's current scope carried into the task.
    fn spawn_in_current_scope<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send;

    /// [`JoinSet::spawn_blocking`] with the caller's current scope current while `f` runs.
    fn spawn_blocking_in_current_scope<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send;

    /// [`JoinSet::spawn_local`] with the caller's current scope carried into the task.
    fn spawn_local_in_current_scope<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static;
}

impl<T: 'static> JoinSetExt<T> for JoinSet<T> {
    #[track_caller]
    fn spawn_in_current_scope<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.spawn(Context::current().wrap(future))
    }

    #[track_caller]
    fn spawn_blocking_in_current_scope<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.spawn_blocking(Context::current().wrap_fn(f))
    }

    #[track_caller]
    fn spawn_local_in_current_scope<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.spawn_local(Context::current().wrap(future))
    }
}
