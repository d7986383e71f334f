//! Rate-limited and concurrency-limited work: wait for a permit, then run in a child scope that
//! records how long the wait took.
//!
//! - [`run_after_wait`] works with any limiter whose "wait for my turn" is a future: a
//!   `governor` rate limiter (`limiter.until_ready()`), a token bucket, a
//!   `tokio::sync::Semaphore` permit, a connection-pool checkout.
//! - [`ConcurrencyLimit`] (feature `tokio`) is the common case built on a tokio
//!   [`Semaphore`](tokio::sync::Semaphore): at most N operations at once.
//!
//! The scope is opened *after* the wait, so its duration is the work alone, and the wait is
//! the attribute [`WAIT_DURATION_ATTRIBUTE`] (seconds, `f64`) set at start, where samplers
//! and queries see it. Its parent is the caller's current scope when the operation was
//! created, wherever the future is later polled or spawned. An operation dropped while still
//! waiting opens no scope (it never started); dropped while running, its scope ends as
//! [`ScopeEnd::Cancelled`](telemetry_core::ScopeEnd::Cancelled). The permit (whatever the
//! wait returned) is held until the work completes or is dropped.
//!
//! With `governor` (not a dependency of this crate; add it to your own):
//!
//! ```ignore
//! use std::num::NonZeroU32;
//! use governor::{Quota, RateLimiter};
//!
//! let limiter = RateLimiter::direct(Quota::per_second(NonZeroU32::new(5).unwrap()));
//! let out = telemetry_tasks::run_after_wait(&*t.correlator, limiter.until_ready(), "operation_1", &[], work()).await?;
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::time::Instant;

use telemetry_core::{Attribute, Context, ContextualCorrelator, ScopeOptions};

/// The attribute holding how long an operation waited for its permit or rate-limit slot, in
/// seconds (`f64`). Project convention (no OpenTelemetry semantic convention covers it yet).
pub const WAIT_DURATION_ATTRIBUTE: &str = "rate_limit.wait.duration";

/// Waits for `wait`, then runs `future` in a new scope named `name` with `attributes` plus
/// [`WAIT_DURATION_ATTRIBUTE`]. The scope is a child of the caller's current scope at the
/// time of this call. `wait`'s output (a permit) is dropped after `future` completes.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt, attrs};
/// use telemetry_basic::BasicContextualCorrelator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let c = BasicContextualCorrelator::new();
/// let semaphore = Arc::new(tokio::sync::Semaphore::new(2));
/// let batch = c.enter_scope("rate_limited_batch", &[]);
/// let op = telemetry_tasks::run_after_wait(
///     &c,
///     semaphore.clone().acquire_owned(),
///     "operation_0",
///     &attrs!["item_id" => 0],
///     async move {
///         assert!(c.attribute(telemetry_tasks::WAIT_DURATION_ATTRIBUTE).is_some());
///         c.scope_path()
///     },
/// );
/// drop(batch);
/// assert_eq!(op.await, ["rate_limited_batch", "operation_0"]);
/// # Ok(()) }
/// ```
pub fn run_after_wait<'c, C, W, F, N>(
    correlator: &'c C,
    wait: W,
    name: N,
    attributes: &[Attribute],
    future: F,
) -> impl Future<Output = F::Output> + use<'c, C, W, F, N>
where
    C: ContextualCorrelator + ?Sized,
    W: Future,
    F: Future,
    N: Into<Cow<'static, str>>,
{
    let parent = Context::current();
    let name = name.into();
    let attributes = attributes.to_vec();
    async move {
        let waited = async move { Ok::<_, Infallible>(wait.await) };
        match limited(correlator, parent, waited, name, attributes, future).await {
            Ok(out) => out,
            Err(never) => match never {},
        }
    }
}

/// The shared body: wait (a failed wait runs nothing), open the scope under `parent` with the
/// wait recorded, run, then release the permit.
async fn limited<C, W, P, E, F>(
    correlator: &C,
    parent: Context,
    wait: W,
    name: Cow<'static, str>,
    mut attributes: Vec<Attribute>,
    future: F,
) -> Result<F::Output, E>
where
    C: ContextualCorrelator + ?Sized,
    W: Future<Output = Result<P, E>>,
    F: Future,
{
    let started = Instant::now();
    let permit = wait.await?;
    attributes.push(Attribute::new(
        WAIT_DURATION_ATTRIBUTE,
        started.elapsed().as_secs_f64(),
    ));
    let scope = correlator.open_scope(
        ScopeOptions::new(name)
            .attributes(&attributes)
            .child_of(&parent),
    );
    let out = scope.instrument(future).await;
    drop(permit);
    Ok(out)
}

/// Why a limited operation did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// [`ConcurrencyLimit::new`] was given 0 permits.
    ZeroPermits,
    /// [`ConcurrencyLimit::new`] was given more permits than a tokio semaphore holds.
    TooManyPermits {
        /// The number asked for.
        requested: usize,
        /// `tokio::sync::Semaphore::MAX_PERMITS`.
        max: usize,
    },
    /// The semaphore was closed while the operation waited.
    Closed,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroPermits => f.write_str(
                "invalid concurrency limit 0: expected at least 1 permit (nothing would ever run)",
            ),
            Self::TooManyPermits { requested, max } => write!(
                f,
                "invalid concurrency limit {requested}: expected at most {max} permits"
            ),
            Self::Closed => f.write_str(
                "the concurrency limit's semaphore was closed before the operation got a permit",
            ),
        }
    }
}

impl std::error::Error for LimitError {}

#[cfg(feature = "tokio")]
pub use self::semaphore::ConcurrencyLimit;

#[cfg(feature = "tokio")]
mod semaphore {
    use std::borrow::Cow;
    use std::fmt;
    use std::future::Future;
    use std::sync::Arc;

    use telemetry_core::{Attribute, Context, SharedCorrelator};
    use tokio::sync::Semaphore;

    use super::{LimitError, limited};

    /// At most N operations at once, each in its own child scope that records its wait (a
    /// tokio [`Semaphore`]). Cloning shares the limit.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use telemetry_core::{ContextualCorrelator, CorrelatorExt, attrs};
    /// use telemetry_basic::BasicContextualCorrelator;
    /// use telemetry_tasks::ConcurrencyLimit;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let c = Arc::new(BasicContextualCorrelator::new());
    /// let limit = ConcurrencyLimit::new(c.clone(), 5)?;
    /// let batch = c.enter_scope("rate_limited_batch", &[]);
    /// let tasks: Vec<_> = (0..20)
    ///     .map(|i| telemetry_tasks::spawn(limit.run(format!("operation_{i}"), &attrs!["item_id" => i], async move { i * 2 })))
    ///     .collect();
    /// for (i, t) in tasks.into_iter().enumerate() {
    ///     assert_eq!(t.await??, i as i64 * 2);
    /// }
    /// # drop(batch);
    /// # Ok(()) }
    /// ```
    #[derive(Clone)]
    pub struct ConcurrencyLimit {
        semaphore: Arc<Semaphore>,
        correlator: SharedCorrelator,
    }

    impl ConcurrencyLimit {
        /// A limit of `permits` concurrent operations whose scopes `correlator` opens (a
        /// [`Telemetry`](telemetry_core::Telemetry)'s `correlator`, or any
        /// `Arc<dyn ContextualCorrelator>`).
        ///
        /// # Errors
        /// [`LimitError::ZeroPermits`] for 0, [`LimitError::TooManyPermits`] above
        /// `Semaphore::MAX_PERMITS`.
        pub fn new(
            correlator: impl Into<SharedCorrelator>,
            permits: usize,
        ) -> Result<Self, LimitError> {
            if permits == 0 {
                return Err(LimitError::ZeroPermits);
            }
            if permits > Semaphore::MAX_PERMITS {
                return Err(LimitError::TooManyPermits {
                    requested: permits,
                    max: Semaphore::MAX_PERMITS,
                });
            }
            Ok(Self::with_semaphore(
                correlator,
                Arc::new(Semaphore::new(permits)),
            ))
        }

        /// A limit over an existing semaphore (shared with other code, resized at run time).
        pub fn with_semaphore(
            correlator: impl Into<SharedCorrelator>,
            semaphore: Arc<Semaphore>,
        ) -> Self {
            Self {
                semaphore,
                correlator: correlator.into(),
            }
        }

        /// The semaphore, for `available_permits`, `add_permits` or `close`.
        pub fn semaphore(&self) -> &Arc<Semaphore> {
            &self.semaphore
        }

        /// Waits for a permit, then runs `future` in a child scope of the caller's current
        /// scope (taken now) named `name`, with `attributes` plus
        /// [`WAIT_DURATION_ATTRIBUTE`](super::WAIT_DURATION_ATTRIBUTE). The returned future
        /// owns everything it needs, so it can be spawned.
        ///
        /// # Errors
        /// [`LimitError::Closed`] when the semaphore is closed.
        pub fn run<F, N>(
            &self,
            name: N,
            attributes: &[Attribute],
            future: F,
        ) -> impl Future<Output = Result<F::Output, LimitError>> + use<F, N>
        where
            F: Future,
            N: Into<Cow<'static, str>>,
        {
            let parent = Context::current();
            let correlator = self.correlator.clone();
            let semaphore = self.semaphore.clone();
            let name: Cow<'static, str> = name.into();
            let attributes = attributes.to_vec();
            async move {
                let wait = semaphore.acquire_owned();
                limited(&correlator, parent, wait, name, attributes, future)
                    .await
                    .map_err(|_closed| LimitError::Closed)
            }
        }
    }

    impl fmt::Debug for ConcurrencyLimit {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("ConcurrencyLimit")
                .field("available_permits", &self.semaphore.available_permits())
                .finish_non_exhaustive()
        }
    }
}
