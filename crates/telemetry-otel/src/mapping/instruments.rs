//! The SDK instruments behind the meter: created once per (name, kind) and cached per
//! `OpenTelemetry` value, never in globals, so two pipelines in one process never share (or
//! race to configure) an instrument.
//!
//! The first descriptor for a name and kind decides its unit, description and buckets; later
//! descriptors with the same name and kind get the cached instrument. Histograms with unit `s`
//! get [`DURATION_BUCKETS_SECONDS`] unless the descriptor gives boundaries, because the SDK's
//! default buckets (0 … 10000) suit milliseconds.
//!
//! Each instrument keeps SDK *bound* instruments (the spec's `Bind` capability, the SDK's
//! `experimental_metrics_bound_instruments`) for the attribute sets it has seen, up to
//! [`MAX_BOUND`] per instrument, keyed by the core's [`AttributeSet`] (last key wins, order
//! ignored). A repeated attribute set (the common case: metric attributes are low-cardinality
//! by convention) then costs the set's hash and one aggregator update, instead of converting
//! every attribute to a `KeyValue` (cloning owned strings) and the SDK's lookup (SipHash over
//! every key and value, then a sort on a miss). Past the bound, records take the SDK's ordinary
//! path, so nothing is lost.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{
    BoundCounter, BoundGauge, BoundHistogram, BoundUpDownCounter, Counter, Gauge, Histogram, Meter,
    UpDownCounter,
};
use parking_lot::RwLock;
use telemetry_core::implement::{
    CounterFn, F64CounterFn, FxHasher, GaugeFn, HistogramFn, UpDownCounterFn,
};
use telemetry_core::{Attribute, AttributeSet, DURATION_BUCKETS_SECONDS, InstrumentDescriptor};

use crate::mapping::convert;

/// At most this many attribute sets are bound per instrument.
pub(crate) const MAX_BOUND: usize = 1024;

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
}

/// Instruments of one `OpenTelemetry` value.
pub(crate) struct Instruments {
    meter: Meter,
    counters: Cache<Arc<OtelCounter>>,
    f64_counters: Cache<Arc<OtelF64Counter>>,
    up_down: Cache<Arc<OtelUpDownCounter>>,
    histograms: Cache<Arc<OtelHistogram>>,
    gauges: Cache<Arc<OtelGauge>>,
}

/// Calls `f` with the attributes converted. Up to 8 attributes (nearly every metric call) are
/// converted into an array on the stack, so the conversion allocates nothing of its own
/// (owned strings are still cloned); more go through a `Vec`.
#[inline]
fn with_kvs<R>(attributes: &[Attribute], f: impl FnOnce(&[opentelemetry::KeyValue]) -> R) -> R {
    fn array<const N: usize>(a: &[Attribute]) -> [opentelemetry::KeyValue; N] {
        std::array::from_fn(|i| convert::key_value(&a[i]))
    }
    if convert::repeats_a_key(attributes) {
        let mut kvs = Vec::with_capacity(attributes.len());
        convert::extend_key_values(&mut kvs, attributes);
        return f(&kvs);
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
        _ => f(&attributes
            .iter()
            .map(convert::key_value)
            .collect::<Vec<_>>()),
    }
}

impl Instruments {
    pub(crate) fn new(meter: Meter) -> Self {
        Self {
            meter,
            counters: Cache::new(),
            f64_counters: Cache::new(),
            up_down: Cache::new(),
            histograms: Cache::new(),
            gauges: Cache::new(),
        }
    }

    pub(crate) fn counter(&self, d: &InstrumentDescriptor) -> Arc<OtelCounter> {
        self.counters.get_or_create(d.name(), || {
            Arc::new(OtelCounter::new(
                self.meter
                    .u64_counter(d.name().to_owned())
                    .with_unit(d.unit().to_owned())
                    .with_description(d.description().to_owned())
                    .build(),
            ))
        })
    }

    pub(crate) fn f64_counter(&self, d: &InstrumentDescriptor) -> Arc<OtelF64Counter> {
        self.f64_counters.get_or_create(d.name(), || {
            Arc::new(OtelF64Counter::new(
                self.meter
                    .f64_counter(d.name().to_owned())
                    .with_unit(d.unit().to_owned())
                    .with_description(d.description().to_owned())
                    .build(),
            ))
        })
    }

    pub(crate) fn up_down_counter(&self, d: &InstrumentDescriptor) -> Arc<OtelUpDownCounter> {
        self.up_down.get_or_create(d.name(), || {
            Arc::new(OtelUpDownCounter::new(
                self.meter
                    .i64_up_down_counter(d.name().to_owned())
                    .with_unit(d.unit().to_owned())
                    .with_description(d.description().to_owned())
                    .build(),
            ))
        })
    }

    pub(crate) fn histogram(&self, d: &InstrumentDescriptor) -> Arc<OtelHistogram> {
        self.histograms.get_or_create(d.name(), || {
            let b = self
                .meter
                .f64_histogram(d.name().to_owned())
                .with_unit(d.unit().to_owned())
                .with_description(d.description().to_owned());
            let boundaries = d
                .boundaries()
                .or((d.unit() == "s").then_some(DURATION_BUCKETS_SECONDS));
            Arc::new(OtelHistogram::new(match boundaries {
                Some(bounds) => b.with_boundaries(bounds.to_vec()).build(),
                None => b.build(),
            }))
        })
    }

    pub(crate) fn gauge(&self, d: &InstrumentDescriptor) -> Arc<OtelGauge> {
        self.gauges.get_or_create(d.name(), || {
            Arc::new(OtelGauge::new(
                self.meter
                    .f64_gauge(d.name().to_owned())
                    .with_unit(d.unit().to_owned())
                    .with_description(d.description().to_owned())
                    .build(),
            ))
        })
    }
}

/// Attribute sets and their bindings, keyed by the set's hash; each bucket holds the sets
/// with that hash.
type BindingMap<B> = HashMap<u64, Vec<(AttributeSet, B)>, BuildHasherDefault<FxHasher>>;

/// Bound SDK instruments by attribute set, for one instrument.
struct Bindings<B> {
    map: RwLock<BindingMap<B>>,
    /// Set once [`MAX_BOUND`] sets are bound: new sets then skip the write lock and take the
    /// SDK's ordinary path straight away.
    full: AtomicBool,
}

impl<B> Bindings<B> {
    fn new() -> Self {
        Self {
            map: RwLock::new(HashMap::default()),
            full: AtomicBool::new(false),
        }
    }

    /// Calls `hit` with the binding for `attributes`, binding it with `bind` if it is new and
    /// there is room; otherwise calls `unbound` with the converted attributes.
    #[inline]
    fn with(
        &self,
        attributes: &[Attribute],
        bind: impl FnOnce(&[KeyValue]) -> B,
        hit: impl FnOnce(&B),
        unbound: impl FnOnce(&[KeyValue]),
    ) {
        let hash = AttributeSet::hash_of(attributes);
        {
            let map = self.map.read();
            if let Some(b) = find(&map, hash, attributes) {
                return hit(b);
            }
        }
        if self.full.load(Ordering::Relaxed) {
            return with_kvs(attributes, unbound);
        }
        self.bind_slow(hash, attributes, bind, hit, unbound);
    }

    #[cold]
    fn bind_slow(
        &self,
        hash: u64,
        attributes: &[Attribute],
        bind: impl FnOnce(&[KeyValue]) -> B,
        hit: impl FnOnce(&B),
        unbound: impl FnOnce(&[KeyValue]),
    ) {
        // A list that repeats a key is bound under its set's hash, not the list's.
        let set = AttributeSet::from(attributes);
        let hash = if AttributeSet::repeats_a_key(attributes) {
            set.hash_code()
        } else {
            hash
        };
        let mut map = self.map.write();
        if let Some(b) = find(&map, hash, &set) {
            return hit(b);
        }
        let bound: usize = map.values().map(Vec::len).sum();
        if bound >= MAX_BOUND {
            self.full.store(true, Ordering::Relaxed);
            drop(map);
            return with_kvs(&set, unbound);
        }
        let b = with_kvs(&set, bind);
        let bucket = map.entry(hash).or_default();
        bucket.push((set, b));
        if let Some((_, b)) = bucket.last() {
            hit(b);
        }
    }
}

#[inline]
fn find<'a, B>(map: &'a BindingMap<B>, hash: u64, attributes: &[Attribute]) -> Option<&'a B> {
    map.get(&hash)?
        .iter()
        .find(|(set, _)| set.matches(attributes))
        .map(|(_, b)| b)
}

/// Handle implementations over the SDK instruments, with their bindings. `empty` is the
/// binding of the empty attribute set, made at creation: a record without attributes goes
/// straight to its aggregator.
pub(crate) struct Otel<I, B> {
    instrument: I,
    empty: B,
    bound: Bindings<B>,
}

pub(crate) type OtelCounter = Otel<Counter<u64>, BoundCounter<u64>>;
pub(crate) type OtelF64Counter = Otel<Counter<f64>, BoundCounter<f64>>;
pub(crate) type OtelUpDownCounter = Otel<UpDownCounter<i64>, BoundUpDownCounter<i64>>;
pub(crate) type OtelHistogram = Otel<Histogram<f64>, BoundHistogram<f64>>;
pub(crate) type OtelGauge = Otel<Gauge<f64>, BoundGauge<f64>>;

macro_rules! otel_instrument {
    ($fn_trait:ident, $method:ident, $value:ty, $inst:ty, $bound:ty) => {
        impl Otel<$inst, $bound> {
            fn new(instrument: $inst) -> Self {
                Self {
                    empty: instrument.bind(&[]),
                    instrument,
                    bound: Bindings::new(),
                }
            }
        }

        impl $fn_trait for Otel<$inst, $bound> {
            #[inline]
            fn $method(&self, value: $value, attributes: &[Attribute]) {
                if attributes.is_empty() {
                    return self.empty.$method(value);
                }
                self.bound.with(
                    attributes,
                    |kv| self.instrument.bind(kv),
                    |b| b.$method(value),
                    |kv| self.instrument.$method(value, kv),
                );
            }
        }
    };
}

otel_instrument!(CounterFn, add, u64, Counter<u64>, BoundCounter<u64>);
otel_instrument!(F64CounterFn, add, f64, Counter<f64>, BoundCounter<f64>);
otel_instrument!(
    UpDownCounterFn,
    add,
    i64,
    UpDownCounter<i64>,
    BoundUpDownCounter<i64>
);
otel_instrument!(
    HistogramFn,
    record,
    f64,
    Histogram<f64>,
    BoundHistogram<f64>
);
otel_instrument!(GaugeFn, record, f64, Gauge<f64>, BoundGauge<f64>);
