//! Rayon thread pools in the caller's scope (feature `rayon`): [`spawn`], [`spawn_fifo`],
//! [`join`], [`install`], [`scope`] with [`RayonScopeExt`] and the parallel-iterator adapter
//! [`ParallelIteratorScopeExt::in_current_scope`].
//!
//! Rayon moves work between its worker threads by work stealing, so a closure may run on any
//! worker, and the caller's thread-local scope is never there by itself. Every helper here
//! takes a snapshot ([`Context::current`]) on the calling thread and makes it current around
//! each piece of user code rayon runs.

use rayon::ThreadPool;
use rayon::iter::ParallelIterator;
use rayon::iter::plumbing::{Consumer, Folder, Reducer, UnindexedConsumer};
use telemetry_core::Context;

/// [`rayon::spawn`] with the caller's current scope current while `f` runs on the global pool.
pub fn spawn<F>(f: F)
where
    F: FnOnce() + Send + 'static,
{
    rayon::spawn(Context::current().wrap_fn(f));
}

/// [`rayon::spawn_fifo`] with the caller's current scope current while `f` runs.
pub fn spawn_fifo<F>(f: F)
where
    F: FnOnce() + Send + 'static,
{
    rayon::spawn_fifo(Context::current().wrap_fn(f));
}

/// [`rayon::join`] with the caller's current scope current in both closures (`b` may be stolen
/// by another worker).
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let cx = Context::current();
    let cb = cx.clone();
    rayon::join(move || cx.in_scope(a), move || cb.in_scope(b))
}

/// [`ThreadPool::install`] with the caller's current scope current while `f` runs in `pool`.
///
/// Parallel iterators inside `f` split work across the pool's workers; add
/// [`in_current_scope`](ParallelIteratorScopeExt::in_current_scope) to them too.
///
/// ```
/// use rayon::prelude::*;
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::rayon::ParallelIteratorScopeExt;
///
/// let c = BasicContextualCorrelator::new();
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
/// let batch = c.enter_scope("batch_processing", &[]);
/// let ids: Vec<_> = telemetry_tasks::rayon::install(&pool, || {
///     (0..10)
///         .into_par_iter()
///         .in_current_scope()
///         .map(|i| c.in_scope(format!("process_{i}"), &[], || c.correlation_id()))
///         .collect()
/// });
/// assert!(ids.iter().all(|id| *id == batch.correlation_id()));
/// ```
pub fn install<F, R>(pool: &ThreadPool, f: F) -> R
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    let cx = Context::current();
    pool.install(move || cx.in_scope(f))
}

/// [`rayon::scope`] with the caller's current scope current in `op`, which rayon runs on a
/// pool worker. Spawn into it with [`RayonScopeExt::spawn_in_current_scope`].
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::rayon::RayonScopeExt;
///
/// let c = BasicContextualCorrelator::new();
/// let parent = c.enter_scope("parallel_operations", &[]);
/// let (tx, rx) = std::sync::mpsc::channel();
/// telemetry_tasks::rayon::scope(|s| {
///     s.spawn_in_current_scope(move |_| tx.send(c.correlation_id()).unwrap());
/// });
/// assert_eq!(rx.recv().unwrap(), parent.correlation_id());
/// ```
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&rayon::Scope<'scope>) -> R + Send,
    R: Send,
{
    let cx = Context::current();
    rayon::scope(move |s| cx.in_scope(|| op(s)))
}

/// Spawning into a [`rayon::Scope`] in the caller's current scope.
pub trait RayonScopeExt<'scope> {
    /// [`rayon::Scope::spawn`] with the caller's current scope current while `f` runs.
    fn spawn_in_current_scope<F>(&self, f: F)
    where
        F: FnOnce(&rayon::Scope<'scope>) + Send + 'scope;
}

impl<'scope> RayonScopeExt<'scope> for rayon::Scope<'scope> {
    fn spawn_in_current_scope<F>(&self, f: F)
    where
        F: FnOnce(&rayon::Scope<'scope>) + Send + 'scope,
    {
        let cx = Context::current();
        self.spawn(move |s| cx.in_scope(|| f(s)));
    }
}

/// Carries a scope into the closures of a parallel iterator.
///
/// The adapter makes the snapshot current around everything *downstream* of it: every
/// `map`, `filter`, `flat_map`, `for_each`, `fold`, `reduce`, `collect`, … closure, on
/// whichever worker runs it. Put it right after the source (and after index-reshaping
/// adapters such as `enumerate`, `zip` or `chunks`, which it does not offer, so the compiler
/// enforces this order):
///
/// ```
/// use rayon::prelude::*;
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::rayon::ParallelIteratorScopeExt;
///
/// let c = BasicContextualCorrelator::new();
/// let map_phase = c.enter_scope("map_phase", &[]);
/// let doubled: Vec<i64> = [1, 2, 3, 4, 5]
///     .par_iter()
///     .enumerate()
///     .in_current_scope()
///     .map(|(i, x)| c.in_scope(format!("map_{i}"), &[], || x * 2))
///     .collect();
/// assert_eq!(doubled, [2, 4, 6, 8, 10]);
/// ```
pub trait ParallelIteratorScopeExt: ParallelIterator {
    /// Makes a snapshot of the calling thread's current scope current in every downstream
    /// closure.
    fn in_current_scope(self) -> ParWithContext<Self> {
        ParWithContext {
            base: self,
            context: Context::current(),
        }
    }

    /// Makes `context` current in every downstream closure.
    fn in_scope(self, context: &Context) -> ParWithContext<Self> {
        ParWithContext {
            base: self,
            context: context.clone(),
        }
    }
}

impl<I: ParallelIterator> ParallelIteratorScopeExt for I {}

/// A parallel iterator whose downstream closures run with a [`Context`] current. See
/// [`ParallelIteratorScopeExt`].
#[derive(Clone, Debug)]
#[must_use = "parallel iterators do nothing unless consumed"]
pub struct ParWithContext<I> {
    base: I,
    context: Context,
}

impl<I: ParallelIterator> ParallelIterator for ParWithContext<I> {
    type Item = I::Item;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.base.drive_unindexed(ContextConsumer {
            base: consumer,
            context: self.context,
        })
    }

    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

struct ContextConsumer<C> {
    base: C,
    context: Context,
}

impl<T, C: Consumer<T>> Consumer<T> for ContextConsumer<C> {
    type Folder = ContextFolder<C::Folder>;
    type Reducer = ContextReducer<C::Reducer>;
    type Result = C::Result;

    fn split_at(self, index: usize) -> (Self, Self, Self::Reducer) {
        let (left, right, reducer) = self.base.split_at(index);
        (
            ContextConsumer {
                base: left,
                context: self.context.clone(),
            },
            ContextConsumer {
                base: right,
                context: self.context.clone(),
            },
            ContextReducer {
                base: reducer,
                context: self.context,
            },
        )
    }

    fn into_folder(self) -> Self::Folder {
        let base = self.context.in_scope(|| self.base.into_folder());
        ContextFolder {
            base,
            context: self.context,
        }
    }

    fn full(&self) -> bool {
        self.base.full()
    }
}

impl<T, C: UnindexedConsumer<T>> UnindexedConsumer<T> for ContextConsumer<C> {
    fn split_off_left(&self) -> Self {
        ContextConsumer {
            base: self.base.split_off_left(),
            context: self.context.clone(),
        }
    }

    fn to_reducer(&self) -> Self::Reducer {
        ContextReducer {
            base: self.base.to_reducer(),
            context: self.context.clone(),
        }
    }
}

struct ContextFolder<F> {
    base: F,
    context: Context,
}

impl<T, F: Folder<T>> Folder<T> for ContextFolder<F> {
    type Result = F::Result;

    fn consume(self, item: T) -> Self {
        let base = self.context.in_scope(|| self.base.consume(item));
        ContextFolder {
            base,
            context: self.context,
        }
    }

    fn consume_iter<I>(self, iter: I) -> Self
    where
        I: IntoIterator<Item = T>,
    {
        // One attach for the whole batch a worker folds.
        let base = self.context.in_scope(|| self.base.consume_iter(iter));
        ContextFolder {
            base,
            context: self.context,
        }
    }

    fn complete(self) -> Self::Result {
        self.context.in_scope(|| self.base.complete())
    }

    fn full(&self) -> bool {
        self.base.full()
    }
}

struct ContextReducer<R> {
    base: R,
    context: Context,
}

impl<T, R: Reducer<T>> Reducer<T> for ContextReducer<R> {
    fn reduce(self, left: T, right: T) -> T {
        self.context.in_scope(|| self.base.reduce(left, right))
    }
}
