//! [`OperationSpan`]: the one guard every GenAI span is.
//!
//! It owns the operation's [`OpCore`] and ends it exactly once, on [`end`](OperationSpan::end),
//! [`fail`](OperationSpan::fail) or drop: first what the operation records at its end (the
//! sealed hooks), then the duration metric. A new operation is one module: a state type with
//! the hooks, its builder and its methods (inherent impls on `OperationSpan<ItsState>`).

use std::fmt;
use std::future::Future;

use telemetry_core::{AttributeValue, Context, ContextGuard, Key, WithContext};

use crate::operation::OpCore;

pub(crate) mod sealed {
    use std::fmt;

    use crate::operation::OpCore;

    /// The per-operation part of a span guard. Sealed: the module is private, so only this
    /// crate's operations implement it.
    pub trait Hooks: Send + Sized {
        /// The name `Debug` prints, e.g. `InferenceSpan`.
        const TYPE_NAME: &'static str;

        /// Records the result on the span (attributes, content, events, metrics other than
        /// the duration). Runs once, when the span finishes, before the duration metric.
        fn finish(&mut self, core: &mut OpCore);

        /// The fields `Debug` prints.
        fn debug_fields(&self, core: &OpCore, f: &mut fmt::DebugStruct<'_, '_>) {
            f.field("context", core.scope.context());
        }
    }
}

/// A GenAI operation: `invoke_agent`, `create_agent`, inference, `embeddings` or
/// `execute_tool`. Sealed (only this crate's operations implement it); it lets code be
/// generic over [`OperationSpan`]s.
pub trait Operation: sealed::Hooks {}

impl<T: sealed::Hooks> Operation for T {}

/// An open GenAI span: [`AgentSpan`](crate::AgentSpan), [`InferenceSpan`](crate::InferenceSpan),
/// [`ToolSpan`](crate::ToolSpan), [`EmbeddingsSpan`](crate::EmbeddingsSpan) or
/// [`CreateAgentSpan`](crate::CreateAgentSpan).
///
/// Ends with [`end`](Self::end), [`fail`](Self::fail) or drop (like `end`), exactly once: the
/// operation's result attributes, then its duration metric (`s`, with `error.type` when it
/// failed).
#[must_use = "the span ends when dropped"]
pub struct OperationSpan<O: Operation> {
    pub(crate) core: OpCore,
    pub(crate) op: O,
    finished: bool,
}

impl<O: Operation> OperationSpan<O> {
    pub(crate) fn new(core: OpCore, op: O) -> Self {
        Self {
            core,
            op,
            finished: false,
        }
    }

    /// A snapshot of the span's scope: open children under it, or carry it into tasks.
    pub fn context(&self) -> &Context {
        self.core.scope.context()
    }

    /// Makes the span current on this thread until the guard drops (synchronous code).
    pub fn enter(&self) -> ContextGuard {
        self.core.scope.enter()
    }

    /// Runs `future` with the span current on every poll; the span stays open afterwards,
    /// so record the result and end it.
    pub fn instrument<F: Future>(&self, future: F) -> WithContext<F> {
        self.core.scope.context().clone().wrap(future)
    }

    /// Sets any other attribute (for example a provider-specific one).
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        self.core.set(key, value);
    }

    /// Ends the span successfully.
    pub fn end(mut self) {
        self.finish();
    }

    /// Ends the span as failed: `error.type` = `error_type` (low cardinality, e.g. the
    /// provider's error class `RateLimitError`, an HTTP status code, `timeout`,
    /// `CommandTimeoutError`; `_OTHER` when blank), status ERROR with `message` (redacted),
    /// and `error.type` on the duration metric.
    pub fn fail(mut self, error_type: &str, message: &str) {
        self.core.fail(error_type, message);
        self.finish();
    }

    /// Records the end once; `end`, `fail`, drop and the stream recorder all come here.
    pub(crate) fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.op.finish(&mut self.core);
        self.core.record_duration();
    }
}

impl<O: Operation> Drop for OperationSpan<O> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<O: Operation> fmt::Debug for OperationSpan<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(O::TYPE_NAME);
        self.op.debug_fields(&self.core, &mut d);
        d.finish_non_exhaustive()
    }
}
