//! The id generator that makes an OpenTelemetry span's ids equal its scope's ids.
//!
//! The core chooses every scope's ids (see `telemetry_core`'s crate docs). The SDK asks its
//! `IdGenerator` for a span's ids and takes no ids from the caller (`SpanBuilder::with_trace_id`
//! was removed in SDK 0.32), and the generator is called with nothing but itself, so
//! `open_scope` parks the scope's ids in a thread-local just before it starts the span and
//! [`ScopeIdGenerator`] takes them. A root span then has exactly the scope's correlation id as
//! trace id, and no parent (where faking a remote parent would leave a dangling parent span
//! id).

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
