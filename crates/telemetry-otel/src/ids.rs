//! The id generator that makes an OpenTelemetry span's ids equal its scope's ids.
//!
//! SDK 0.32 removed `SpanBuilder::with_trace_id`, so [`ScopeIdGenerator`] hands out ids that
//! `open_scope` parks in a thread-local just before it starts the span (field notes §1). A
//! root span then has exactly the scope's correlation id as trace id, and no parent.

use std::cell::Cell;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

thread_local! {
    // 0 means "nothing parked": valid ids are never zero.
    static PARKED_TRACE: Cell<u128> = const { Cell::new(0) };
    static PARKED_SPAN: Cell<u64> = const { Cell::new(0) };
}

/// Takes parked ids when there are some, random ones otherwise (for example for spans started
/// through the raw SDK tracer).
#[derive(Debug, Default)]
pub(crate) struct ScopeIdGenerator {
    random: RandomIdGenerator,
}

impl IdGenerator for ScopeIdGenerator {
    fn new_trace_id(&self) -> TraceId {
        match PARKED_TRACE.with(|c| c.replace(0)) {
            0 => self.random.new_trace_id(),
            id => TraceId::from(id),
        }
    }

    fn new_span_id(&self) -> SpanId {
        match PARKED_SPAN.with(|c| c.replace(0)) {
            0 => self.random.new_span_id(),
            id => SpanId::from(id),
        }
    }
}

/// Parks the ids for the next span started on this thread; the guard clears whatever the
/// SDK did not take (a child span never asks for a trace id).
pub(crate) fn park(trace_id: u128, span_id: u64) -> Parked {
    PARKED_TRACE.with(|c| c.set(trace_id));
    PARKED_SPAN.with(|c| c.set(span_id));
    Parked(())
}

/// Clears parked ids when dropped, also on unwind out of a span processor.
pub(crate) struct Parked(());

impl Drop for Parked {
    fn drop(&mut self) {
        PARKED_TRACE.with(|c| c.set(0));
        PARKED_SPAN.with(|c| c.set(0));
    }
}
