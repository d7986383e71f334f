//! One instrument of the in-memory meter: its per-series aggregations (counter, up-down
//! counter, gauge, histogram), its series found by attribute-set hash under the cardinality
//! limit, and the registry of instruments of one kind by name.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use telemetry_core::implement::{CounterFn, F64CounterFn, GaugeFn, HistogramFn, UpDownCounterFn};
use telemetry_core::{Attribute, AttributeSet, InstrumentDescriptor};

use crate::metrics::snapshot::{
    HistogramSnapshot, InstrumentKind, MetricSnapshot, SeriesSnapshot, SeriesValue,
};

/// The attribute of the series that collects measurements past the cardinality limit
/// (OpenTelemetry Metrics SDK, *Overflow attribute*).
pub const OVERFLOW_ATTRIBUTE: &str = "otel.metric.overflow";

/// What a snapshot reports about an instrument besides its series.
pub(crate) struct Info {
    name: String,
    description: String,
    unit: String,
    kind: InstrumentKind,
}

impl Info {
    fn new(name: &str, description: &str, unit: &str, kind: InstrumentKind) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            unit: unit.to_owned(),
            kind,
        }
    }

    pub(crate) fn from_descriptor(d: &InstrumentDescriptor, kind: InstrumentKind) -> Self {
        Self::new(d.name(), d.description(), d.unit(), kind)
    }
}

/// The per-series aggregation of one instrument kind.
pub(crate) trait Aggregation: Send + Sync + 'static {
    /// Shared by every series of the instrument (histogram boundaries).
    type Config: Send + Sync + 'static;
    fn new(config: &Self::Config) -> Self;
    fn value(&self, config: &Self::Config) -> SeriesValue;
}

pub(crate) struct CounterAgg(AtomicU64);
/// The `f64` bits of the sum.
pub(crate) struct F64CounterAgg(AtomicU64);
pub(crate) struct UpDownAgg(AtomicI64);
pub(crate) struct GaugeAgg(AtomicU64);
pub(crate) struct HistogramAgg(Mutex<HistogramState>);

pub(crate) struct HistogramState {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    buckets: Box<[u64]>,
}

impl Aggregation for CounterAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicU64::new(0))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::Counter(self.0.load(Ordering::Relaxed))
    }
}

impl Aggregation for F64CounterAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicU64::new(0f64.to_bits()))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::F64Counter(f64::from_bits(self.0.load(Ordering::Relaxed)))
    }
}

impl Aggregation for UpDownAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicI64::new(0))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::UpDownCounter(self.0.load(Ordering::Relaxed))
    }
}

impl Aggregation for GaugeAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicU64::new(0f64.to_bits()))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::Gauge(f64::from_bits(self.0.load(Ordering::Relaxed)))
    }
}

impl Aggregation for HistogramAgg {
    type Config = Arc<[f64]>;
    fn new(boundaries: &Arc<[f64]>) -> Self {
        Self(Mutex::new(HistogramState {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            buckets: vec![0; boundaries.len() + 1].into_boxed_slice(),
        }))
    }
    fn value(&self, boundaries: &Arc<[f64]>) -> SeriesValue {
        let s = self.0.lock();
        SeriesValue::Histogram(HistogramSnapshot {
            count: s.count,
            sum: s.sum,
            min: s.min,
            max: s.max,
            boundaries: boundaries.to_vec(),
            bucket_counts: s.buckets.to_vec(),
            unit: String::new(),
        })
    }
}

/// One attribute set of one instrument.
pub(crate) struct Series<A> {
    attributes: AttributeSet,
    aggregation: A,
}

/// One instrument: its configuration and its series, found by the hash of their attribute
/// set ([`AttributeSet::hash_of`]).
pub(crate) struct Instrument<A: Aggregation> {
    info: Info,
    config: A::Config,
    limit: usize,
    series: RwLock<SeriesMap<A>>,
}

pub(crate) struct SeriesMap<A> {
    by_hash: HashMap<u64, Vec<Arc<Series<A>>>, BuildHasherDefault<PrehashedHasher>>,
    len: usize,
}

impl<A: Aggregation> Instrument<A> {
    fn new(info: Info, config: A::Config, limit: usize) -> Self {
        Self {
            info,
            config,
            limit,
            series: RwLock::new(SeriesMap {
                by_hash: HashMap::default(),
                len: 0,
            }),
        }
    }

    /// Runs `f` on the series for `attributes`, creating it on first use.
    #[inline]
    fn with_series(&self, attributes: &[Attribute], f: impl FnOnce(&A)) {
        let hash = AttributeSet::hash_of(attributes);
        {
            let map = self.series.read();
            if let Some(s) = find(&map, hash, attributes) {
                f(&s.aggregation);
                return;
            }
        }
        self.with_new_series(hash, attributes, f);
    }

    #[cold]
    fn with_new_series(&self, hash: u64, attributes: &[Attribute], f: impl FnOnce(&A)) {
        // A list that repeats a key is filed under its set's hash, not the list's.
        let set = AttributeSet::from(attributes);
        let hash = if AttributeSet::repeats_a_key(attributes) {
            set.hash_code()
        } else {
            hash
        };
        let mut map = self.series.write();
        if let Some(s) = find(&map, hash, &set) {
            f(&s.aggregation);
            return;
        }
        let (hash, set) = if map.len >= self.limit {
            let overflow = AttributeSet::from(&[Attribute::new(OVERFLOW_ATTRIBUTE, true)][..]);
            let hash = overflow.hash_code();
            if let Some(s) = find(&map, hash, &overflow) {
                f(&s.aggregation);
                return;
            }
            (hash, overflow)
        } else {
            (hash, set)
        };
        let series = Arc::new(Series {
            attributes: set,
            aggregation: A::new(&self.config),
        });
        f(&series.aggregation);
        map.by_hash.entry(hash).or_default().push(series);
        map.len += 1;
    }

    fn snapshot(&self) -> MetricSnapshot {
        let map = self.series.read();
        let mut series: Vec<SeriesSnapshot> = map
            .by_hash
            .values()
            .flatten()
            .map(|s| SeriesSnapshot {
                attributes: sorted(&s.attributes),
                value: match s.aggregation.value(&self.config) {
                    SeriesValue::Histogram(mut h) => {
                        h.unit.clone_from(&self.info.unit);
                        SeriesValue::Histogram(h)
                    }
                    v => v,
                },
            })
            .collect();
        drop(map);
        series.sort_by(|a, b| {
            crate::metrics::snapshot::cmp_attribute_sets(&a.attributes, &b.attributes)
        });
        MetricSnapshot {
            name: self.info.name.clone(),
            description: self.info.description.clone(),
            unit: self.info.unit.clone(),
            kind: self.info.kind,
            series,
        }
    }
}

fn find<'m, A>(
    map: &'m SeriesMap<A>,
    hash: u64,
    attributes: &[Attribute],
) -> Option<&'m Series<A>> {
    map.by_hash
        .get(&hash)?
        .iter()
        .find(|s| s.attributes.matches(attributes))
        .map(|s| &**s)
}

impl CounterFn for Instrument<CounterAgg> {
    #[inline]
    fn add(&self, value: u64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.fetch_add(value, Ordering::Relaxed);
        });
    }
}

impl F64CounterFn for Instrument<F64CounterAgg> {
    #[inline]
    fn add(&self, value: f64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            let _ =
                a.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                    Some((f64::from_bits(bits) + value).to_bits())
                });
        });
    }
}

impl UpDownCounterFn for Instrument<UpDownAgg> {
    #[inline]
    fn add(&self, value: i64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.fetch_add(value, Ordering::Relaxed);
        });
    }
}

impl GaugeFn for Instrument<GaugeAgg> {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.store(value.to_bits(), Ordering::Relaxed)
        });
    }
}

impl HistogramFn for Instrument<HistogramAgg> {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        // Find the bucket before taking the lock.
        let bucket = self.config.partition_point(|b| *b < value);
        self.with_series(attributes, |a| {
            let mut s = a.0.lock();
            s.count += 1;
            s.sum += value;
            s.min = s.min.min(value);
            s.max = s.max.max(value);
            s.buckets[bucket] += 1;
        });
    }
}

/// The instruments of one kind, by name.
pub(crate) struct Registry<A: Aggregation> {
    by_name: RwLock<HashMap<String, Arc<Instrument<A>>>>,
}

impl<A: Aggregation> Default for Registry<A> {
    fn default() -> Self {
        Self {
            by_name: RwLock::new(HashMap::new()),
        }
    }
}

impl<A: Aggregation> Registry<A> {
    pub(crate) fn get_or_create(
        &self,
        info: Info,
        limit: usize,
        config: impl FnOnce() -> A::Config,
    ) -> Arc<Instrument<A>> {
        if let Some(i) = self.by_name.read().get(&info.name) {
            return i.clone();
        }
        self.by_name
            .write()
            .entry(info.name.clone())
            .or_insert_with(|| Arc::new(Instrument::new(info, config(), limit)))
            .clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_name.read().len()
    }

    pub(crate) fn collect(&self, out: &mut Vec<MetricSnapshot>) {
        let instruments: Vec<Arc<Instrument<A>>> = self.by_name.read().values().cloned().collect();
        out.extend(instruments.iter().map(|i| i.snapshot()));
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A snapshot's copy of a series' set, sorted by key so that output is stable.
pub(crate) fn sorted(set: &AttributeSet) -> AttributeSet {
    let mut v = set.to_vec();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    AttributeSet::from(v)
}
