//! The meter: SDK instruments created once per (name, kind) and cached per `OpenTelemetry`
//! value, never in globals (field notes §6: "the first meter to create a name won").
//!
//! The first descriptor for a name and kind decides its unit, description and buckets; later
//! descriptors with the same name and kind get the cached instrument. Histograms with unit `s`
//! get [`DURATION_BUCKETS_SECONDS`] unless the descriptor gives boundaries, because the SDK's
//! default buckets (0 … 10000) suit milliseconds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter, UpDownCounter};
use parking_lot::RwLock;
use telemetry_core::{
    Attribute, CounterFn, DURATION_BUCKETS_SECONDS, GaugeFn, HistogramFn, InstrumentDescriptor,
    UpDownCounterFn, diagnostics, validate_instrument_name,
};

use crate::convert;

/// A cache of one instrument kind, keyed by name. Hits take a read lock and do not allocate.
struct Cache<T>(RwLock<HashMap<Box<str>, T>>);

impl<T: Clone> Cache<T> {
    fn new() -> Self {
        Self(RwLock::new(HashMap::new()))
    }

    fn get_or_create(&self, name: &str, create: impl FnOnce() -> T) -> T {
        if let Some(i) = self.0.read().get(name) {
            return i.clone();
        }
        self.0
            .write()
            .entry(name.into())
            .or_insert_with(create)
            .clone()
    }

    /// Runs `f` on the cached instrument under the read lock (no clone, no allocation).
    #[inline]
    fn with(&self, name: &str, f: impl FnOnce(&T)) -> bool {
        match self.0.read().get(name) {
            Some(i) => {
                f(i);
                true
            }
            None => false,
        }
    }
}

/// Instruments of one `OpenTelemetry` value.
pub(crate) struct Instruments {
    meter: Meter,
    counters: Cache<Counter<u64>>,
    up_down: Cache<UpDownCounter<i64>>,
    histograms: Cache<Histogram<f64>>,
    gauges: Cache<Gauge<f64>>,
}

/// Calls `f` with the attributes converted. Up to 8 attributes (nearly every metric call) are
/// converted into an array on the stack, so the conversion allocates nothing of its own
/// (owned strings are still cloned); more go through a `Vec`.
#[inline]
fn with_kvs(attributes: &[Attribute], f: impl FnOnce(&[opentelemetry::KeyValue])) {
    fn array<const N: usize>(a: &[Attribute]) -> [opentelemetry::KeyValue; N] {
        std::array::from_fn(|i| convert::key_value(&a[i]))
    }
    match attributes.len() {
        0 => f(&[]),
        1 => f(&array::<1>(attributes)),
        2 => f(&array::<2>(attributes)),
        3 => f(&array::<3>(attributes)),
        4 => f(&array::<4>(attributes)),
        5 => f(&array::<5>(attributes)),
        6 => f(&array::<6>(attributes)),
        7 => f(&array::<7>(attributes)),
        8 => f(&array::<8>(attributes)),
        _ => f(&convert::key_values(attributes)),
    }
}

impl Instruments {
    pub(crate) fn new(meter: Meter) -> Self {
        Self {
            meter,
            counters: Cache::new(),
            up_down: Cache::new(),
            histograms: Cache::new(),
            gauges: Cache::new(),
        }
    }

    pub(crate) fn counter(&self, d: &InstrumentDescriptor) -> Counter<u64> {
        self.counters.get_or_create(d.name(), || {
            self.meter
                .u64_counter(d.name().to_owned())
                .with_unit(d.unit().to_owned())
                .with_description(d.description().to_owned())
                .build()
        })
    }

    pub(crate) fn up_down_counter(&self, d: &InstrumentDescriptor) -> UpDownCounter<i64> {
        self.up_down.get_or_create(d.name(), || {
            self.meter
                .i64_up_down_counter(d.name().to_owned())
                .with_unit(d.unit().to_owned())
                .with_description(d.description().to_owned())
                .build()
        })
    }

    pub(crate) fn histogram(&self, d: &InstrumentDescriptor) -> Histogram<f64> {
        self.histograms.get_or_create(d.name(), || {
            let b = self
                .meter
                .f64_histogram(d.name().to_owned())
                .with_unit(d.unit().to_owned())
                .with_description(d.description().to_owned());
            let boundaries = d
                .boundaries()
                .or((d.unit() == "s").then_some(DURATION_BUCKETS_SECONDS));
            match boundaries {
                Some(bounds) => b.with_boundaries(bounds.to_vec()).build(),
                None => b.build(),
            }
        })
    }

    pub(crate) fn gauge(&self, d: &InstrumentDescriptor) -> Gauge<f64> {
        self.gauges.get_or_create(d.name(), || {
            self.meter
                .f64_gauge(d.name().to_owned())
                .with_unit(d.unit().to_owned())
                .with_description(d.description().to_owned())
                .build()
        })
    }

    pub(crate) fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
        let hit = self
            .counters
            .with(name, |c| with_kvs(attributes, |kv| c.add(value, kv)));
        if !hit {
            if let Some(d) = descriptor(name) {
                let c = self.counter(&d);
                with_kvs(attributes, |kv| c.add(value, kv));
            }
        }
    }

    pub(crate) fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
        if !value.is_finite() {
            diagnostics::drop_non_finite(name, value);
            return;
        }
        let hit = self
            .histograms
            .with(name, |h| with_kvs(attributes, |kv| h.record(value, kv)));
        if !hit {
            if let Some(d) = descriptor(name) {
                let h = self.histogram(&d);
                with_kvs(attributes, |kv| h.record(value, kv));
            }
        }
    }

    pub(crate) fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
        let value = duration.as_secs_f64();
        let hit = self
            .histograms
            .with(name, |h| with_kvs(attributes, |kv| h.record(value, kv)));
        if !hit {
            if let Some(d) = descriptor(name) {
                let h = self.histogram(&d.seconds());
                with_kvs(attributes, |kv| h.record(value, kv));
            }
        }
    }
}

/// A descriptor for a by-name call; an invalid name is dropped and counted (core diagnostics).
fn descriptor(name: &str) -> Option<InstrumentDescriptor> {
    if let Err(e) = validate_instrument_name(name) {
        diagnostics::drop_invalid_metric_name(&e);
        return None;
    }
    InstrumentDescriptor::new(name.to_owned()).ok()
}

/// Handle implementations over the SDK instruments.
pub(crate) struct OtelCounter(pub(crate) Counter<u64>);
pub(crate) struct OtelUpDownCounter(pub(crate) UpDownCounter<i64>);
pub(crate) struct OtelHistogram(pub(crate) Histogram<f64>);
pub(crate) struct OtelGauge(pub(crate) Gauge<f64>);

impl CounterFn for OtelCounter {
    #[inline]
    fn add(&self, value: u64, attributes: &[Attribute]) {
        with_kvs(attributes, |kv| self.0.add(value, kv));
    }
}

impl UpDownCounterFn for OtelUpDownCounter {
    #[inline]
    fn add(&self, value: i64, attributes: &[Attribute]) {
        with_kvs(attributes, |kv| self.0.add(value, kv));
    }
}

impl HistogramFn for OtelHistogram {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        with_kvs(attributes, |kv| self.0.record(value, kv));
    }
}

impl GaugeFn for OtelGauge {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        with_kvs(attributes, |kv| self.0.record(value, kv));
    }
}

pub(crate) fn counter_handle(c: Counter<u64>) -> telemetry_core::Counter {
    telemetry_core::Counter::new(Arc::new(OtelCounter(c)))
}
pub(crate) fn up_down_handle(c: UpDownCounter<i64>) -> telemetry_core::UpDownCounter {
    telemetry_core::UpDownCounter::new(Arc::new(OtelUpDownCounter(c)))
}
pub(crate) fn histogram_handle(h: Histogram<f64>) -> telemetry_core::Histogram {
    telemetry_core::Histogram::new(Arc::new(OtelHistogram(h)))
}
pub(crate) fn gauge_handle(g: Gauge<f64>) -> telemetry_core::Gauge {
    telemetry_core::Gauge::new(Arc::new(OtelGauge(g)))
}
