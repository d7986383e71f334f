//! Carry the current Agent Telemetry scope across every boundary parallel code crosses: tokio
//! tasks, blocking pools, OS threads, rayon pools, joins, streams and rate-limited pools.
//!
//! ```
//! use telemetry_core::{ContextualCorrelator, CorrelatorExt};
//! use telemetry_basic::BasicContextualCorrelator;
//! use telemetry_tasks::FutureScopeExt;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let c = BasicContextualCorrelator::new();
//! let request = c.enter_scope("POST /v1/runs", &[]);
//! let id = c.correlation_id();
//!
//! // A task, a blocking closure and a thread, each started in the request's scope.
//! let task = telemetry_tasks::spawn(async move { c.correlation_id() });
//! let blocking = telemetry_tasks::spawn_blocking(move || c.correlation_id());
//! let thread = telemetry_tasks::thread::spawn(move || c.correlation_id());
//! // A future polled later, anywhere.
//! let later = async move { c.correlation_id() }.in_current_scope();
//! drop(request);
//!
//! assert_eq!(task.await?, id);
//! assert_eq!(blocking.await?, id);
//! assert_eq!(thread.join().unwrap(), id);
//! assert_eq!(later.await, id);
//! # Ok(()) }
//! ```
//!
//! # Why
//!
//! The current scope lives in one thread-local slot ([`telemetry_core::Context`]). Like
//! `tracing`'s current span and OpenTelemetry's `Context`, it does not cross `tokio::spawn`,
//! `spawn_blocking`, `std::thread::spawn` or a rayon job by itself: without help, a scope
//! opened there starts a new trace. Every helper here takes a snapshot where the work is
//! *created* and makes it current where the work *runs*.
//!
//! | boundary | helper |
//! | --- | --- |
//! | a future polled elsewhere | [`FutureScopeExt::in_current_scope`], [`FutureScopeExt::in_scope`] |
//! | `tokio::spawn`, `Handle::spawn`, `spawn_local` | [`spawn`], [`spawn_on`], [`spawn_local`] (feature `tokio`) |
//! | `spawn_blocking` | [`spawn_blocking`] (feature `tokio`) |
//! | `JoinSet` | [`JoinSetExt`] (feature `tokio`) |
//! | `std::thread::spawn`, `Builder`, `thread::scope` | [`thread::spawn`], [`thread::spawn_with`], [`thread::ThreadScopeExt`] |
//! | rayon `spawn`, `join`, `scope`, `install`, parallel iterators | the `rayon` module (feature `rayon`) |
//! | `join_all`, `join!`, `select!` | nothing needed; [`join_all_scoped`] for one child scope per future (feature `futures`) |
//! | streams | [`StreamScopeExt`]: `in_current_scope` (snapshot in every `poll_next`) and `instrument(scope)` (a scope that ends with the stream) |
//! | semaphores, rate limiters | [`ConcurrencyLimit`] (feature `tokio`), [`run_after_wait`] (any limiter, e.g. `governor`) |
//!
//! Everything works the same with every implementation (NoOp, Basic, OpenTelemetry), because
//! they share the thread-local slot: a helper only moves a [`Context`](telemetry_core::Context),
//! never touches an implementation. With NoOp the snapshot is empty and the helpers cost one
//! thread-local read.
//!
//! # Children that start after their parent ended
//!
//! A task may start, or a stream be polled, after the scope that spawned it has ended (a
//! request handler that returns before its background work). Such a child **still links to
//! its parent and carries the parent's correlation id**: a snapshot keeps the parent's data
//! alive (it holds an `Arc`), and a scope opened under it takes the parent's span id as its
//! parent and the parent's correlation id as its own. With OpenTelemetry the child span has
//! the parent's trace id and `parent_span_id`; the parent span was exported when it ended, so
//! a backend shows a child that outlives its parent, which is what happened. The child does
//! not extend or reopen the parent. [`Context::has_ended`](telemetry_core::Context::has_ended)
//! tells a child whether its parent is still open.
//!
//! Memory: a snapshot holds its scope's chain (name, ids, attributes, extension) until the
//! last snapshot or child drops, and nothing longer; a task that ends frees its snapshot.
//!
//! # Ending and cancellation
//!
//! Scopes opened with [`CorrelatorExt::scoped`](telemetry_core::CorrelatorExt::scoped),
//! [`Scope::instrument`](telemetry_core::Scope::instrument), [`join_all_scoped`],
//! [`ConcurrencyLimit`] and [`StreamScopeExt::instrument`] end exactly once:
//! [`Completed`](telemetry_core::ScopeEnd::Completed) when the work finishes,
//! [`Cancelled`](telemetry_core::ScopeEnd::Cancelled) when it is dropped first (an aborted
//! task, a losing `select!` branch, a stream dropped before its end),
//! [`Panicked`](telemetry_core::ScopeEnd::Panicked) when it panics. The OpenTelemetry
//! implementation exports a cancelled scope as an ended span with `agent_telemetry.cancelled = true`.
//!
//! # Features
//!
//! - `tokio` (default): [`spawn`], [`spawn_blocking`], [`JoinSetExt`], [`ConcurrencyLimit`].
//! - `futures` (default): [`join_all_scoped`] (`futures-util`).
//! - `rayon`: the [`rayon`] module.

#![warn(missing_docs)]

mod future;
#[cfg(feature = "futures")]
mod join;
mod limit;
#[cfg(feature = "rayon")]
pub mod rayon;
mod stream;
#[cfg(feature = "tokio")]
mod task;
pub mod thread;

pub use future::FutureScopeExt;
#[cfg(feature = "futures")]
pub use join::join_all_scoped;
#[cfg(feature = "tokio")]
pub use limit::ConcurrencyLimit;
pub use limit::{LimitError, WAIT_DURATION_ATTRIBUTE, run_after_wait};
pub use stream::{InstrumentedStream, StreamScopeExt, StreamWithContext};
#[cfg(feature = "tokio")]
pub use task::{JoinSetExt, spawn, spawn_blocking, spawn_local, spawn_local_on, spawn_on};

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
