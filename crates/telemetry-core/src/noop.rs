//! NoOp implementations: for tests and for telemetry switched off.
//!
//! No call allocates, locks or touches a thread-local (`tests/noop_alloc.rs` proves the first
//! with a counting allocator). Empty scope names are still counted in
//! [`diagnostics`](crate::diagnostics), so code tested against NoOp reports what it would in
//! production.

use std::time::Duration;

use crate::attributes::attribute::Attribute;
use crate::logs::level::LogLevel;
use crate::logs::logger::Logger;
use crate::metrics::handles::Counter;
use crate::metrics::handles::Gauge;
use crate::metrics::handles::Histogram;
use crate::metrics::handles::UpDownCounter;
use crate::metrics::instrument::InstrumentDescriptor;
use crate::metrics::meter::Meter;
use crate::scope::context::Context;
use crate::scope::correlator::ContextualCorrelator;
use crate::scope::guard::Scope;
use crate::scope::options::ScopeOptions;

/// A logger that records nothing; `enabled` is always false.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOpLogger;

impl Logger for NoOpLogger {
    #[inline]
    fn enabled(&self, _level: LogLevel) -> bool {
        false
    }
    #[inline]
    fn log(&self, _level: LogLevel, _message: &str, _attributes: &[Attribute]) {}
    fn level(&self) -> Option<LogLevel> {
        None
    }
    fn set_level(&self, _level: Option<LogLevel>) {}
    fn is_noop(&self) -> bool {
        true
    }
}

/// A correlator whose scopes carry no id and record nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOpCorrelator;

impl ContextualCorrelator for NoOpCorrelator {
    #[inline]
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        options.discard();
        Scope::noop()
    }
    #[inline]
    fn current(&self) -> Context {
        Context::none()
    }
    fn is_noop(&self) -> bool {
        true
    }
}

/// A meter whose instruments are the `const` noop handles.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOpMeter;

impl Meter for NoOpMeter {
    fn counter(&self, _descriptor: &InstrumentDescriptor) -> Counter {
        Counter::noop()
    }
    fn up_down_counter(&self, _descriptor: &InstrumentDescriptor) -> UpDownCounter {
        UpDownCounter::noop()
    }
    fn histogram(&self, _descriptor: &InstrumentDescriptor) -> Histogram {
        Histogram::noop()
    }
    fn gauge(&self, _descriptor: &InstrumentDescriptor) -> Gauge {
        Gauge::noop()
    }
    #[inline]
    fn record_counter(&self, _name: &str, _value: u64, _attributes: &[Attribute]) {}
    #[inline]
    fn record_histogram(&self, _name: &str, _value: f64, _attributes: &[Attribute]) {}
    #[inline]
    fn record_duration(&self, _name: &str, _duration: Duration, _attributes: &[Attribute]) {}
    fn is_noop(&self) -> bool {
        true
    }
}
