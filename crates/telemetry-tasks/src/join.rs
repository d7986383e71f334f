//! [`join_all_scoped`]: `futures::future::join_all` with one child scope per future (feature
//! `futures`).
//!
//! Plain `join_all`, `join!`, `select!` and `select_all` need nothing from this crate: they
//! poll their futures inside the caller's poll, so the caller's current scope is current in
//! each of them (carry the caller itself across `spawn` with [`spawn`](crate::spawn) or
//! [`FutureScopeExt::in_current_scope`](crate::FutureScopeExt::in_current_scope)). A `select!`
//! branch that loses is dropped, so the scopes open inside it end as
//! [`ScopeEnd::Cancelled`](telemetry_core::ScopeEnd::Cancelled).

use std::future::Future;

use futures_util::future::{JoinAll, join_all};
use telemetry_core::{ContextualCorrelator, Instrumented, ScopeOptions};

/// Opens one scope per future (children of the caller's current scope unless the options say
/// otherwise) and joins them all; each scope is current while its future is polled and ends
/// when it completes, or as cancelled if the join is dropped first. Outputs come in input
/// order.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt, ScopeOptions, attrs};
/// use telemetry_basic::BasicContextualCorrelator;
///
/// # futures::executor::block_on(async {
/// let c = BasicContextualCorrelator::new();
/// let batch = c.enter_scope("async_batch", &[]);
/// let attributes: Vec<_> = (0..3).map(|i| attrs!["prompt_index" => i as i64]).collect();
/// let paths = telemetry_tasks::join_all_scoped(
///     &c,
///     attributes.iter().enumerate().map(|(i, a)| {
///         (ScopeOptions::new(format!("completion_{i}")).attributes(a), async move { c.scope_path() })
///     }),
/// )
/// .await;
/// assert_eq!(paths[2], ["async_batch", "completion_2"]);
/// # drop(batch);
/// # });
/// ```
pub fn join_all_scoped<'a, C, I, F>(correlator: &C, futures: I) -> JoinAll<Instrumented<F>>
where
    C: ContextualCorrelator + ?Sized,
    I: IntoIterator<Item = (ScopeOptions<'a>, F)>,
    F: Future,
{
    join_all(
        futures
            .into_iter()
            .map(|(options, future)| correlator.open_scope(options).instrument(future)),
    )
}
