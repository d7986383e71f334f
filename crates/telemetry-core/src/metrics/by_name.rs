//! [`InstrumentsByName`]: the one by-name recording path every meter shares. A name becomes a
//! handle once, through the meter's own handle constructors, as the `metrics` crate's facade
//! turns a key into a registered handle; every later call records through that handle.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{RwLock, RwLockReadGuard};
use std::time::Duration;

use crate::attributes::attribute::Attribute;
use crate::diagnostics;
use crate::fxhash::FxHasher;
use crate::metrics::handles::Counter;
use crate::metrics::handles::Histogram;
use crate::metrics::instrument::InstrumentDescriptor;
use crate::metrics::meter::Meter;

type Handles<H> = RwLock<HashMap<Box<str>, H, BuildHasherDefault<FxHasher>>>;

/// The handles a meter's by-name calls ([`Meter::record_counter`],
/// [`Meter::record_histogram`], [`Meter::record_duration`]) record through, keyed by
/// instrument name. An implementation keeps one per meter and forwards its by-name methods:
///
/// ```
/// use std::time::Duration;
/// use telemetry_core::implement::InstrumentsByName;
/// use telemetry_core::{Attribute, Counter, Gauge, Histogram, InstrumentDescriptor, Meter, UpDownCounter};
///
/// struct MyMeter { by_name: InstrumentsByName }
///
/// impl Meter for MyMeter {
///     fn counter(&self, _: &InstrumentDescriptor) -> Counter { Counter::noop() }
///     fn up_down_counter(&self, _: &InstrumentDescriptor) -> UpDownCounter { UpDownCounter::noop() }
///     fn histogram(&self, _: &InstrumentDescriptor) -> Histogram { Histogram::noop() }
///     fn gauge(&self, _: &InstrumentDescriptor) -> Gauge { Gauge::noop() }
///     fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
///         self.by_name.add_counter(self, name, value, attributes);
///     }
///     fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
///         self.by_name.record_histogram(self, name, value, attributes);
///     }
///     fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
///         self.by_name.record_duration(self, name, duration, attributes);
///     }
/// }
/// # MyMeter { by_name: InstrumentsByName::new() }.record_counter("requests", 1, &[]);
/// ```
///
/// - **First use creates.** A name not seen before is checked against the instrument-name
///   syntax, then created with the meter's [`Meter::counter`] or [`Meter::histogram`]:
///   `record_histogram` with no unit and the meter's default buckets, `record_duration` with
///   unit `s` and [`DURATION_BUCKETS_SECONDS`](crate::DURATION_BUCKETS_SECONDS). Both share
///   the histogram of one name, so whichever came first configures it.
/// - **Bad input is dropped, not failed.** An invalid name, and a NaN or infinite value, drop
///   the measurement and count it in [`diagnostics`].
/// - **Cost.** A known name is one read lock and one hash of the name (no allocation), then
///   the handle's record.
#[derive(Default)]
pub struct InstrumentsByName {
    counters: Handles<Counter>,
    histograms: Handles<Histogram>,
}

impl InstrumentsByName {
    /// No handles yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` to the counter `name`, creating it with `meter` on first use.
    #[inline]
    pub fn add_counter<M: Meter + ?Sized>(
        &self,
        meter: &M,
        name: &str,
        value: u64,
        attributes: &[Attribute],
    ) {
        if let Some(c) = read(&self.counters).get(name) {
            return c.add(value, attributes);
        }
        if let Some(c) = create(&self.counters, name, |d| meter.counter(&d)) {
            c.add(value, attributes);
        }
    }

    /// Records `value` into the histogram `name` (no unit), creating it with `meter` on first
    /// use.
    #[inline]
    pub fn record_histogram<M: Meter + ?Sized>(
        &self,
        meter: &M,
        name: &str,
        value: f64,
        attributes: &[Attribute],
    ) {
        if !value.is_finite() {
            return diagnostics::drop_non_finite(name, value);
        }
        if let Some(h) = read(&self.histograms).get(name) {
            return h.record(value, attributes);
        }
        if let Some(h) = create(&self.histograms, name, |d| meter.histogram(&d)) {
            h.record(value, attributes);
        }
    }

    /// Records `duration` in seconds into the histogram `name`, creating it with `meter` (unit
    /// `s`, duration buckets) on first use.
    #[inline]
    pub fn record_duration<M: Meter + ?Sized>(
        &self,
        meter: &M,
        name: &str,
        duration: Duration,
        attributes: &[Attribute],
    ) {
        let seconds = duration.as_secs_f64();
        if let Some(h) = read(&self.histograms).get(name) {
            return h.record(seconds, attributes);
        }
        if let Some(h) = create(&self.histograms, name, |d| meter.histogram(&d.seconds())) {
            h.record(seconds, attributes);
        }
    }
}

impl std::fmt::Debug for InstrumentsByName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstrumentsByName")
            .field("counters", &read(&self.counters).len())
            .field("histograms", &read(&self.histograms).len())
            .finish()
    }
}

#[inline]
fn read<H>(
    handles: &Handles<H>,
) -> RwLockReadGuard<'_, HashMap<Box<str>, H, BuildHasherDefault<FxHasher>>> {
    handles.read().unwrap_or_else(|p| p.into_inner())
}

/// The handle for a name not seen yet (or created meanwhile by another thread); `None`, with
/// the measurement counted as dropped, for an invalid name.
#[cold]
fn create<H: Clone>(
    handles: &Handles<H>,
    name: &str,
    make: impl FnOnce(InstrumentDescriptor) -> H,
) -> Option<H> {
    let descriptor = match InstrumentDescriptor::new(name.to_owned()) {
        Ok(d) => d,
        Err(e) => {
            diagnostics::drop_invalid_metric_name(&e);
            return None;
        }
    };
    let mut map = handles.write().unwrap_or_else(|p| p.into_inner());
    Some(
        map.entry(name.into())
            .or_insert_with(|| make(descriptor))
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use crate::metrics::handles::CounterFn;

    use crate::metrics::handles::Gauge;
    use crate::metrics::handles::HistogramFn;
    use crate::metrics::handles::UpDownCounter;

    /// A meter that logs every handle it creates and every record through them.
    #[derive(Default)]
    struct Log {
        by_name: InstrumentsByName,
        created: Mutex<Vec<(String, String)>>,
        records: Arc<Mutex<Vec<(String, f64)>>>,
    }
    struct Record(String, Arc<Mutex<Vec<(String, f64)>>>);
    impl CounterFn for Record {
        fn add(&self, value: u64, _: &[Attribute]) {
            self.1.lock().unwrap().push((self.0.clone(), value as f64));
        }
    }
    impl HistogramFn for Record {
        fn record(&self, value: f64, _: &[Attribute]) {
            self.1.lock().unwrap().push((self.0.clone(), value));
        }
    }
    impl Meter for Log {
        fn counter(&self, d: &InstrumentDescriptor) -> Counter {
            self.created
                .lock()
                .unwrap()
                .push((d.name().into(), d.unit().into()));
            Counter::new(Arc::new(Record(d.name().into(), self.records.clone())))
        }
        fn up_down_counter(&self, _: &InstrumentDescriptor) -> UpDownCounter {
            UpDownCounter::noop()
        }
        fn histogram(&self, d: &InstrumentDescriptor) -> Histogram {
            self.created
                .lock()
                .unwrap()
                .push((d.name().into(), d.unit().into()));
            Histogram::new(Arc::new(Record(d.name().into(), self.records.clone())))
        }
        fn gauge(&self, _: &InstrumentDescriptor) -> Gauge {
            Gauge::noop()
        }
        fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
            self.by_name.add_counter(self, name, value, attributes);
        }
        fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
            self.by_name.record_histogram(self, name, value, attributes);
        }
        fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
            self.by_name
                .record_duration(self, name, duration, attributes);
        }
    }

    #[test]
    fn a_name_becomes_one_handle_and_bad_input_is_dropped_and_counted() {
        let m = Log::default();
        let a = attrs!["route" => "/a"];
        m.record_counter("requests", 1, &a);
        m.record_counter("requests", 2, &a);
        m.record_duration("latency", Duration::from_millis(250), &a);
        m.record_histogram("latency", 0.5, &a);
        let (names, values) = (
            diagnostics::invalid_metric_names(),
            diagnostics::non_finite_measurements(),
        );
        m.record_counter("1bad", 1, &a);
        m.record_histogram("latency", f64::NAN, &a);
        assert!(diagnostics::invalid_metric_names() > names);
        assert!(diagnostics::non_finite_measurements() > values);
        // Created once each; the duration came first, so the histogram is in seconds.
        assert_eq!(
            *m.created.lock().unwrap(),
            [
                ("requests".into(), "".into()),
                ("latency".into(), "s".into())
            ]
        );
        assert_eq!(
            *m.records.lock().unwrap(),
            [
                ("requests".into(), 1.0),
                ("requests".into(), 2.0),
                ("latency".into(), 0.25),
                ("latency".into(), 0.5),
            ]
        );
    }
}
