//! Streams: [`StreamWithContext`] carries a snapshot into every `poll_next`;
//! [`InstrumentedStream`] owns a scope that ends with the stream.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;
use telemetry_core::{Context, Instrumented, Scope};

/// Scope helpers for every [`Stream`] (`futures-core`).
///
/// ```
/// use futures::StreamExt;
/// use telemetry_core::{ContextualCorrelator, ScopeOptions};
/// use telemetry_basic::BasicContextualCorrelator;
/// use telemetry_tasks::StreamScopeExt;
///
/// # futures::executor::block_on(async {
/// let correlator = BasicContextualCorrelator::new();
/// let scope = correlator.open_scope(ScopeOptions::new("chat gpt-4o"));
/// let id = scope.correlation_id();
/// let chunks = futures::stream::iter(["Hel", "lo"])
///     .map(|c| (c, BasicContextualCorrelator::new().correlation_id()))
///     .instrument(scope);
/// let seen: Vec<_> = chunks.collect().await;
/// assert!(seen.iter().all(|(_, cid)| *cid == id)); // the scope is current in every poll_next
/// # });
/// ```
pub trait StreamScopeExt: Stream + Sized {
    /// Makes a snapshot of the calling thread's current scope current in every `poll_next`.
    fn in_current_scope(self) -> StreamWithContext<Self> {
        StreamWithContext {
            context: Context::current(),
            stream: self,
        }
    }

    /// Makes `context` current in every `poll_next`.
    fn in_scope(self, context: &Context) -> StreamWithContext<Self> {
        StreamWithContext {
            context: context.clone(),
            stream: self,
        }
    }

    /// Makes `scope` current in every `poll_next` and ends it with the stream: as
    /// [`ScopeEnd::Completed`](telemetry_core::ScopeEnd::Completed) when the stream yields
    /// `None`, as [`ScopeEnd::Cancelled`](telemetry_core::ScopeEnd::Cancelled) when it is
    /// dropped before that, as [`ScopeEnd::Panicked`](telemetry_core::ScopeEnd::Panicked) when
    /// `poll_next` panics.
    fn instrument(self, scope: Scope) -> InstrumentedStream<Self> {
        InstrumentedStream {
            context: scope.context().clone(),
            // A ready future, so that polling it once ends the scope as completed and dropping
            // it unpolled ends it as cancelled: the core's own ending rules, reused.
            scope: Some(scope.instrument(ready(()))),
            stream: self,
        }
    }
}

impl<S: Stream> StreamScopeExt for S {}

pin_project_lite::pin_project! {
    /// A stream whose every `poll_next` runs with a [`Context`] current. See
    /// [`StreamScopeExt::in_current_scope`].
    #[must_use = "streams do nothing unless polled"]
    pub struct StreamWithContext<S> {
        context: Context,
        #[pin]
        stream: S,
    }
}

impl<S> StreamWithContext<S> {
    /// The carried snapshot.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

impl<S: Stream> Stream for StreamWithContext<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let _current = this.context.attach();
        this.stream.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// A stream that owns a scope: current in every `poll_next`, ended when the stream ends,
    /// is dropped early or panics. See [`StreamScopeExt::instrument`].
    ///
    /// After the end, `poll_next` keeps delegating to the inner stream (outside the scope)
    /// and [`scope`](Self::scope) returns `None`.
    #[must_use = "streams do nothing unless polled"]
    pub struct InstrumentedStream<S> {
        scope: Option<Instrumented<Ready<()>>>,
        context: Context,
        #[pin]
        stream: S,
    }
}

impl<S> InstrumentedStream<S> {
    /// The scope, to set attributes (for example a finish reason seen on the last chunk) or
    /// record an error; `None` once the stream has ended.
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref().map(Instrumented::scope)
    }

    /// A snapshot of the scope, valid after it ended: children opened from it still link to
    /// it.
    pub fn context(&self) -> &Context {
        &self.context
    }
}

/// Ends the scope as panicked if `poll_next` unwinds, whoever catches the panic later.
struct EndOnUnwind<'a>(&'a mut Option<Instrumented<Ready<()>>>);

impl Drop for EndOnUnwind<'_> {
    fn drop(&mut self) {
        // Only reached while unwinding (forgotten otherwise), so the scope ends as panicked.
        drop(self.0.take());
    }
}

impl<S: Stream> Stream for InstrumentedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if this.scope.is_none() {
            return this.stream.poll_next(cx);
        }
        let unwind = EndOnUnwind(this.scope);
        let out = if this.context.is_none() {
            this.stream.poll_next(cx)
        } else {
            let _current = this.context.attach();
            this.stream.poll_next(cx)
        };
        if let Poll::Ready(None) = out {
            if let Some(mut scope) = unwind.0.take() {
                // `Ready` completes on the first poll, so the scope ends as completed.
                let _ = Pin::new(&mut scope).poll(cx);
            }
        }
        std::mem::forget(unwind);
        out
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}
