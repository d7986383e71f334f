//! [`BasicMeter`]: in-memory metric aggregation.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use telemetry_core::{
    Attribute, AttributeValue, Counter, CounterFn, DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS,
    Gauge, GaugeFn, Histogram, HistogramFn, InstrumentDescriptor, Meter, UpDownCounter,
    UpDownCounterFn, diagnostics, validate_instrument_name,
};

use crate::format::is_shadowed;
use crate::snapshot::{
    HistogramSnapshot, InstrumentKind, MetricSnapshot, MetricsSnapshot, SeriesSnapshot, SeriesValue,
};

/// The default number of distinct attribute sets per instrument, as in the OpenTelemetry
/// Metrics SDK (*Cardinality limits*).
pub const DEFAULT_CARDINALITY_LIMIT: usize = 2000;

/// The attribute of the series that collects measurements past the cardinality limit
/// (OpenTelemetry Metrics SDK, *Overflow attribute*).
pub const OVERFLOW_ATTRIBUTE: &str = "otel.metric.overflow";

/// A meter that aggregates in memory, for local use, tests and a Prometheus scrape endpoint.
///
/// - Instruments are cached per meter by name and kind: creating one twice returns a handle
///   to the same aggregation, and the first descriptor (description, unit, boundaries) wins.
///   The by-name methods share the cache with the handles: `record_histogram` and
///   `record_duration` on one name feed one histogram, configured by whichever came first.
/// - Each instrument keeps one series per attribute set. Attribute order does not matter and
///   a repeated key keeps its last value. Past the cardinality limit (default
///   [`DEFAULT_CARDINALITY_LIMIT`] series per instrument) measurements go to one overflow
///   series with the attribute `otel.metric.overflow = true` instead of being lost.
/// - Counters sum `u64`, up-down counters sum `i64` (both wrap on overflow), histograms keep
///   count, sum, min, max and explicit-bucket counts (bucket `i` counts values `v` with
///   `boundaries[i-1] < v <= boundaries[i]`, as OpenTelemetry defines them), gauges keep the
///   last value. Histogram boundaries come from the descriptor, else
///   [`DURATION_BUCKETS_SECONDS`] for unit `s`, else [`DEFAULT_BUCKETS`].
/// - Recording through a handle is one read lock on the instrument's series plus atomics (a
///   short mutex for histograms); by name it is one more read lock to find the instrument.
///   Only a new attribute set takes a write lock.
/// - Invalid names on the by-name methods and non-finite histogram values are dropped and
///   counted in [`telemetry_core::diagnostics`].
///
/// ```
/// use telemetry_core::{InstrumentDescriptor, Meter, attrs};
/// use telemetry_basic::BasicMeter;
///
/// let meter = BasicMeter::new();
/// meter.record_counter("http.server.requests", 1, &attrs!["http.request.method" => "GET"]);
/// let latency = meter.histogram(&InstrumentDescriptor::new("http.server.request.duration")?.seconds());
/// latency.record(0.031, &[]);
///
/// let snapshot = meter.snapshot();
/// assert_eq!(snapshot.counter("http.server.requests", &attrs!["http.request.method" => "GET"]), Some(1));
/// assert_eq!(snapshot.histogram("http.server.request.duration", &[]).unwrap().count, 1);
/// assert!(meter.render_prometheus().contains("http_server_request_duration_seconds_count 1"));
/// # Ok::<(), telemetry_core::MetricError>(())
/// ```
pub struct BasicMeter {
    counters: Registry<CounterAgg>,
    up_down_counters: Registry<UpDownAgg>,
    histograms: Registry<HistogramAgg>,
    gauges: Registry<GaugeAgg>,
    cardinality_limit: usize,
}

impl BasicMeter {
    /// An empty meter with the default cardinality limit.
    pub fn new() -> Self {
        Self::with_cardinality_limit(DEFAULT_CARDINALITY_LIMIT)
    }

    /// An empty meter keeping at most `limit` attribute sets per instrument (at least 1; the
    /// overflow series comes on top).
    pub fn with_cardinality_limit(limit: usize) -> Self {
        Self {
            counters: Registry::default(),
            up_down_counters: Registry::default(),
            histograms: Registry::default(),
            gauges: Registry::default(),
            cardinality_limit: limit.max(1),
        }
    }

    /// A consistent-per-series copy of every instrument's aggregation, sorted by instrument
    /// name, then kind, then attribute set.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let mut metrics = Vec::new();
        self.counters.collect(&mut metrics);
        self.up_down_counters.collect(&mut metrics);
        self.histograms.collect(&mut metrics);
        self.gauges.collect(&mut metrics);
        metrics.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
        MetricsSnapshot::new(metrics)
    }

    /// The Prometheus text exposition format 0.0.4 of [`snapshot`](Self::snapshot); see
    /// [`MetricsSnapshot::render_prometheus`].
    pub fn render_prometheus(&self) -> String {
        self.snapshot().render_prometheus()
    }

    fn histogram_by_name(&self, name: &str, value: f64, attributes: &[Attribute], seconds: bool) {
        if !value.is_finite() {
            diagnostics::drop_non_finite(name, value);
            return;
        }
        if self
            .histograms
            .record_existing(name, |h| h.record(value, attributes))
        {
            return;
        }
        match validate_instrument_name(name) {
            Ok(()) => {
                let (unit, boundaries) = if seconds {
                    ("s", DURATION_BUCKETS_SECONDS)
                } else {
                    ("", DEFAULT_BUCKETS)
                };
                let info = Info::new(name, "", unit, InstrumentKind::Histogram);
                let h = self
                    .histograms
                    .get_or_create(info, self.cardinality_limit, || boundaries.into());
                h.record(value, attributes);
            }
            Err(e) => diagnostics::drop_invalid_metric_name(&e),
        }
    }
}

impl Default for BasicMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for BasicMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicMeter")
            .field("counters", &self.counters.len())
            .field("up_down_counters", &self.up_down_counters.len())
            .field("histograms", &self.histograms.len())
            .field("gauges", &self.gauges.len())
            .field("cardinality_limit", &self.cardinality_limit)
            .finish()
    }
}

impl Meter for BasicMeter {
    fn counter(&self, d: &InstrumentDescriptor) -> Counter {
        let info = Info::from_descriptor(d, InstrumentKind::Counter);
        Counter::new(
            self.counters
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn up_down_counter(&self, d: &InstrumentDescriptor) -> UpDownCounter {
        let info = Info::from_descriptor(d, InstrumentKind::UpDownCounter);
        UpDownCounter::new(
            self.up_down_counters
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn histogram(&self, d: &InstrumentDescriptor) -> Histogram {
        let info = Info::from_descriptor(d, InstrumentKind::Histogram);
        let boundaries: Arc<[f64]> = match d.boundaries() {
            Some(b) => b.into(),
            None if d.unit() == "s" => DURATION_BUCKETS_SECONDS.into(),
            None => DEFAULT_BUCKETS.into(),
        };
        Histogram::new(
            self.histograms
                .get_or_create(info, self.cardinality_limit, || boundaries),
        )
    }

    fn gauge(&self, d: &InstrumentDescriptor) -> Gauge {
        let info = Info::from_descriptor(d, InstrumentKind::Gauge);
        Gauge::new(
            self.gauges
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
        if self
            .counters
            .record_existing(name, |c| c.add(value, attributes))
        {
            return;
        }
        match validate_instrument_name(name) {
            Ok(()) => {
                let info = Info::new(name, "", "", InstrumentKind::Counter);
                self.counters
                    .get_or_create(info, self.cardinality_limit, || ())
                    .add(value, attributes);
            }
            Err(e) => diagnostics::drop_invalid_metric_name(&e),
        }
    }

    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
        self.histogram_by_name(name, value, attributes, false);
    }

    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
        self.histogram_by_name(name, duration.as_secs_f64(), attributes, true);
    }
}

/// What a snapshot reports about an instrument besides its series.
struct Info {
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

    fn from_descriptor(d: &InstrumentDescriptor, kind: InstrumentKind) -> Self {
        Self::new(d.name(), d.description(), d.unit(), kind)
    }
}

/// The per-series aggregation of one instrument kind.
trait Aggregation: Send + Sync + 'static {
    /// Shared by every series of the instrument (histogram boundaries).
    type Config: Send + Sync + 'static;
    fn new(config: &Self::Config) -> Self;
    fn value(&self, config: &Self::Config) -> SeriesValue;
}

struct CounterAgg(AtomicU64);
struct UpDownAgg(AtomicI64);
struct GaugeAgg(AtomicU64);
struct HistogramAgg(Mutex<HistogramState>);

struct HistogramState {
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
struct Series<A> {
    /// Sorted by key, unique keys.
    attributes: Vec<Attribute>,
    aggregation: A,
}

/// One instrument: its configuration and its series, found by an order-insensitive hash of
/// the attribute set.
struct Instrument<A: Aggregation> {
    info: Info,
    config: A::Config,
    limit: usize,
    series: RwLock<SeriesMap<A>>,
}

struct SeriesMap<A> {
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
        let hash = set_hash(attributes);
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
        let mut map = self.series.write();
        if let Some(s) = find(&map, hash, attributes) {
            f(&s.aggregation);
            return;
        }
        let overflow = [Attribute::new(OVERFLOW_ATTRIBUTE, true)];
        let (hash, attributes) = if map.len >= self.limit {
            let hash = set_hash(&overflow);
            if let Some(s) = find(&map, hash, &overflow) {
                f(&s.aggregation);
                return;
            }
            (hash, &overflow[..])
        } else {
            (hash, attributes)
        };
        let series = Arc::new(Series {
            attributes: normalize(attributes),
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
                attributes: s.attributes.clone(),
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
        series.sort_by(|a, b| crate::snapshot::cmp_attribute_sets(&a.attributes, &b.attributes));
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
        .find(|s| same_set(&s.attributes, attributes))
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
struct Registry<A: Aggregation> {
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
    /// Runs `f` on the instrument `name` if it exists; says whether it did.
    #[inline]
    fn record_existing(&self, name: &str, f: impl FnOnce(&Instrument<A>)) -> bool {
        match self.by_name.read().get(name) {
            Some(i) => {
                f(i);
                true
            }
            None => false,
        }
    }

    fn get_or_create(
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

    fn len(&self) -> usize {
        self.by_name.read().len()
    }

    fn collect(&self, out: &mut Vec<MetricSnapshot>) {
        let instruments: Vec<Arc<Instrument<A>>> = self.by_name.read().values().cloned().collect();
        out.extend(instruments.iter().map(|i| i.snapshot()));
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PrehashedHasher(u64);

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

/// An order-insensitive hash of the effective attribute set (a repeated key counts once, with
/// its last value): the sum of per-attribute hashes, then mixed.
#[inline]
fn set_hash(attributes: &[Attribute]) -> u64 {
    let mut sum = 0u64;
    for (i, a) in attributes.iter().enumerate() {
        if !is_shadowed(attributes, i) {
            sum = sum.wrapping_add(attribute_hash(a));
        }
    }
    mix(sum)
}

/// A word-at-a-time multiplicative hash (FxHash's step), far cheaper than a byte loop for the
/// short keys and values of metric attributes. Not DoS-resistant, and need not be: the
/// cardinality limit bounds how many series one instrument can hold.
#[derive(Clone, Copy)]
struct WordHasher(u64);

impl WordHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    #[inline]
    fn word(self, w: u64) -> Self {
        Self((self.0 ^ w).wrapping_mul(Self::K).rotate_left(26))
    }

    #[inline]
    fn bytes(mut self, bytes: &[u8]) -> Self {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self = self.word(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        // The length separates "ab" + "c" from "a" + "bc".
        self.word(u64::from_le_bytes(tail)).word(bytes.len() as u64)
    }
}

fn attribute_hash(a: &Attribute) -> u64 {
    let h = WordHasher(0).bytes(a.key.as_bytes());
    let h = match &a.value {
        AttributeValue::String(s) => h.word(1).bytes(s.as_bytes()),
        AttributeValue::Bool(v) => h.word(2).word(u64::from(*v)),
        AttributeValue::I64(v) => h.word(3).word(*v as u64),
        AttributeValue::F64(v) => h.word(4).word(v.to_bits()),
        AttributeValue::StringArray(v) => v.iter().fold(h.word(5), |h, s| h.bytes(s.as_bytes())),
        AttributeValue::BoolArray(v) => v.iter().fold(h.word(6), |h, b| h.word(u64::from(*b))),
        AttributeValue::I64Array(v) => v.iter().fold(h.word(7), |h, x| h.word(*x as u64)),
        AttributeValue::F64Array(v) => v.iter().fold(h.word(8), |h, x| h.word(x.to_bits())),
    };
    // Mix each term so that summing the terms does not cancel structure.
    mix(h.0)
}

/// The splitmix64 finalizer.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Value equality with floats compared by bits, so that it agrees with the hash (NaN equals
/// NaN, 0.0 differs from -0.0).
pub(crate) fn value_eq(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::F64(x), V::F64(y)) => x.to_bits() == y.to_bits(),
        (V::F64Array(x), V::F64Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        _ => a == b,
    }
}

/// Whether `series` (sorted, unique keys) is the effective set of `attributes`.
#[inline]
fn same_set(series: &[Attribute], attributes: &[Attribute]) -> bool {
    let mut effective = 0;
    for (i, a) in attributes.iter().enumerate() {
        if is_shadowed(attributes, i) {
            continue;
        }
        effective += 1;
        match series.binary_search_by(|s| (*s.key).cmp(&*a.key)) {
            Ok(j) if value_eq(&series[j].value, &a.value) => {}
            _ => return false,
        }
    }
    effective == series.len()
}

/// The effective set, sorted by key.
fn normalize(attributes: &[Attribute]) -> Vec<Attribute> {
    let mut v: Vec<Attribute> = attributes
        .iter()
        .enumerate()
        .filter(|(i, _)| !is_shadowed(attributes, *i))
        .map(|(_, a)| a.clone())
        .collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::attrs;

    #[test]
    fn set_hash_ignores_order_and_shadowed_keys() {
        let a = attrs!["a" => 1, "b" => "x"];
        let b = attrs!["b" => "x", "a" => 1];
        let c = attrs!["a" => 0, "b" => "x", "a" => 1];
        assert_eq!(set_hash(&a), set_hash(&b));
        assert_eq!(set_hash(&a), set_hash(&c));
        assert_ne!(set_hash(&a), set_hash(&attrs!["a" => 2, "b" => "x"]));
        assert_ne!(set_hash(&attrs!["a" => 1]), set_hash(&attrs!["a" => 1.0]));
        let n = normalize(&c);
        assert!(same_set(&n, &a) && same_set(&n, &b) && same_set(&n, &c));
        assert!(!same_set(&n, &attrs!["a" => 1]));
        assert!(!same_set(&n, &attrs!["a" => 1, "b" => "x", "c" => true]));
    }

    #[test]
    fn overflow_series_collects_past_the_limit() {
        let meter = BasicMeter::with_cardinality_limit(2);
        for i in 0..5i64 {
            meter.record_counter("c", 1, &[Attribute::new("i", i)]);
        }
        let s = meter.snapshot();
        assert_eq!(s.counter("c", &attrs!["i" => 0]), Some(1));
        assert_eq!(s.counter("c", &attrs!["i" => 1]), Some(1));
        assert_eq!(s.counter("c", &attrs!["i" => 2]), None);
        assert_eq!(s.counter("c", &attrs![OVERFLOW_ATTRIBUTE => true]), Some(3));
    }
}
