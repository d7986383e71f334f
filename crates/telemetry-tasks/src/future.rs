//! [`FutureScopeExt`]: carry a scope inside a future, like `tracing::Instrument` and
//! `opentelemetry::context::FutureExt`.

use std::future::Future;

use telemetry_core::{Context, WithContext};

/// Makes a [`Context`] current whenever a future is polled, on whichever thread polls it.
///
/// Implemented for every future. The snapshot is taken when the method is called, not when
/// the future first runs, so call it where the future is created:
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::FutureScopeExt;
///
/// # futures::executor::block_on(async {
/// let correlator = BasicContextualCorrelator::new();
/// let request = correlator.enter_scope("POST /v1/sessions", &[]);
/// let id = correlator.correlation_id();
/// // Carried into a future that an executor may poll anywhere, after the guard is gone.
/// let work = async move { BasicContextualCorrelator::new().correlation_id() }.in_current_scope();
/// drop(request);
/// assert_eq!(work.await, id);
/// # });
/// ```
pub trait FutureScopeExt: Future + Sized {
    /// Wraps the future with a snapshot of the calling thread's current scope
    /// ([`Context::current`]).
    fn in_current_scope(self) -> WithContext<Self> {
        Context::current().wrap(self)
    }

    /// Wraps the future with `context` (for example [`Scope::context`](telemetry_core::Scope::context)
    /// of a scope opened elsewhere).
    fn in_scope(self, context: &Context) -> WithContext<Self> {
        context.clone().wrap(self)
    }
}

impl<F: Future> FutureScopeExt for F {}
