//! The [`Meter`] trait, instrument handles and duration measurement.
//!
//! Units follow UCUM as OpenTelemetry uses them: durations are always seconds (`s`, f64).
//! Source: OpenTelemetry Metrics API, *Instrument* (names, kinds, units) and the semantic
//! conventions' general metrics guidance (durations in seconds).

// pin-project-lite cannot parse `M: ?Sized + Meter` in a generics list, so the `Meter` bound of
// `MeasureDuration` must sit in a where clause.
#![allow(clippy::multiple_bound_locations)]

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::Attribute;

/// Histogram boundaries for durations in seconds: the GenAI operation-duration buckets
/// (semantic conventions v1.41, `gen_ai.client.operation.duration`). The default for every
/// seconds histogram, because OpenTelemetry's default buckets (0 … 10000) suit milliseconds.
pub const DURATION_BUCKETS_SECONDS: &[f64] = &[
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// OpenTelemetry's default explicit bucket boundaries, for histograms that are not durations
/// (Metrics SDK, *Explicit Bucket Histogram Aggregation*).
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// A rejected instrument name, unit or bucket list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricError {
    input: String,
    expected: &'static str,
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: expected {}", self.input, self.expected)
    }
}

impl std::error::Error for MetricError {}

/// Checks OpenTelemetry's instrument-name syntax: 1–255 characters, a letter first, then
/// letters, digits, `_`, `.`, `-` or `/` (Metrics API, *Instrument name syntax*).
///
/// # Errors
/// [`MetricError`] naming the input and the rule.
pub fn validate_instrument_name(name: &str) -> Result<(), MetricError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(MetricError {
            input: format!("instrument name {name:?}"),
            expected: "1 to 255 characters, starting with a letter, then letters, digits, \
                       '_', '.', '-' or '/'",
        })
    }
}

/// What an instrument is: name, description, unit and, for histograms, bucket boundaries.
///
/// ```
/// use telemetry_core::InstrumentDescriptor;
/// let d = InstrumentDescriptor::new("http.server.request.duration")?.seconds();
/// assert_eq!(d.unit(), "s");
/// assert!(InstrumentDescriptor::new("1bad").is_err());
/// # Ok::<(), telemetry_core::MetricError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentDescriptor {
    name: Cow<'static, str>,
    description: Cow<'static, str>,
    unit: Cow<'static, str>,
    boundaries: Option<Cow<'static, [f64]>>,
}

impl InstrumentDescriptor {
    /// A descriptor with no unit or description.
    ///
    /// # Errors
    /// [`MetricError`] when the name breaks the instrument-name syntax.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Result<Self, MetricError> {
        let name = name.into();
        validate_instrument_name(&name)?;
        Ok(Self {
            name,
            description: Cow::Borrowed(""),
            unit: Cow::Borrowed(""),
            boundaries: None,
        })
    }

    /// Sets the UCUM unit, for example `s`, `By`, `{token}`.
    pub fn with_unit(mut self, unit: impl Into<Cow<'static, str>>) -> Self {
        self.unit = unit.into();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = description.into();
        self
    }

    /// Marks this a duration in seconds: unit `s` and, unless set already,
    /// [`DURATION_BUCKETS_SECONDS`].
    pub fn seconds(mut self) -> Self {
        self.unit = Cow::Borrowed("s");
        if self.boundaries.is_none() {
            self.boundaries = Some(Cow::Borrowed(DURATION_BUCKETS_SECONDS));
        }
        self
    }

    /// Sets explicit histogram bucket boundaries.
    ///
    /// # Errors
    /// [`MetricError`] unless the boundaries are finite and strictly increasing.
    pub fn with_boundaries(
        mut self,
        boundaries: impl Into<Cow<'static, [f64]>>,
    ) -> Result<Self, MetricError> {
        let b = boundaries.into();
        if !b.iter().all(|v| v.is_finite()) || !b.windows(2).all(|w| w[0] < w[1]) {
            return Err(MetricError {
                input: format!("bucket boundaries {b:?} for instrument {:?}", self.name),
                expected: "finite values in strictly increasing order",
            });
        }
        self.boundaries = Some(b);
        Ok(self)
    }

    /// The instrument name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The description (may be empty).
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The unit (may be empty).
    pub fn unit(&self) -> &str {
        &self.unit
    }
    /// The explicit bucket boundaries, if any: seconds histograms get
    /// [`DURATION_BUCKETS_SECONDS`], others the implementation's default.
    pub fn boundaries(&self) -> Option<&[f64]> {
        self.boundaries.as_deref()
    }
}

/// The implementation behind a [`Counter`].
pub trait CounterFn: Send + Sync {
    /// Adds `value`.
    fn add(&self, value: u64, attributes: &[Attribute]);
}

/// The implementation behind an [`UpDownCounter`].
pub trait UpDownCounterFn: Send + Sync {
    /// Adds `value`, which may be negative.
    fn add(&self, value: i64, attributes: &[Attribute]);
}

/// The implementation behind a [`Histogram`]. Values reaching it are finite.
pub trait HistogramFn: Send + Sync {
    /// Records `value`.
    fn record(&self, value: f64, attributes: &[Attribute]);
}

/// The implementation behind a [`Gauge`]. Values reaching it are finite.
pub trait GaugeFn: Send + Sync {
    /// Sets the current value.
    fn record(&self, value: f64, attributes: &[Attribute]);
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident, $fn_trait:ident) => {
        $(#[$doc])*
        ///
        /// Create it once with the [`Meter`] and keep it; recording is one branch plus the
        /// implementation's call. `noop()` is `const` and records nothing.
        #[derive(Clone, Default)]
        pub struct $name(Option<Arc<dyn $fn_trait>>);

        impl $name {
            /// A handle that records nothing; `const`, allocation-free.
            pub const fn noop() -> Self {
                Self(None)
            }

            /// A handle backed by an implementation.
            pub fn new(inner: Arc<dyn $fn_trait>) -> Self {
                Self(Some(inner))
            }

            /// Whether this handle records nothing (a NoOp handle).
            #[inline]
            pub fn is_noop(&self) -> bool {
                self.0.is_none()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(if self.0.is_some() { concat!(stringify!($name), "(..)") } else { concat!(stringify!($name), "(noop)") })
            }
        }
    };
}

handle!(
    /// A monotonic counter handle (values are `u64`).
    Counter,
    CounterFn
);
handle!(
    /// An up-down counter handle (values are `i64`).
    UpDownCounter,
    UpDownCounterFn
);
handle!(
    /// A histogram handle (values are `f64` in the instrument's unit).
    Histogram,
    HistogramFn
);
handle!(
    /// A gauge handle: the last recorded value wins (values are `f64`).
    Gauge,
    GaugeFn
);

impl Counter {
    /// Adds `value`.
    #[inline]
    pub fn add(&self, value: u64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            inner.add(value, attributes);
        }
    }
}

impl UpDownCounter {
    /// Adds `value`, which may be negative.
    #[inline]
    pub fn add(&self, value: i64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            inner.add(value, attributes);
        }
    }
}

impl Histogram {
    /// Records `value`; NaN and ±∞ are dropped and counted
    /// ([`diagnostics`](crate::diagnostics)).
    #[inline]
    pub fn record(&self, value: f64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            if value.is_finite() {
                inner.record(value, attributes);
            } else {
                crate::diagnostics::drop_non_finite("histogram", value);
            }
        }
    }

    /// Records a duration in seconds.
    #[inline]
    pub fn record_duration(&self, duration: Duration, attributes: &[Attribute]) {
        self.record(duration.as_secs_f64(), attributes);
    }

    /// Starts a timer that records the elapsed seconds when dropped (also on panic or early
    /// return).
    pub fn start_timer<'a>(&'a self, attributes: &'a [Attribute]) -> HistogramTimer<'a> {
        HistogramTimer {
            histogram: self,
            attributes,
            start: Instant::now(),
        }
    }
}

impl Gauge {
    /// Sets the current value; NaN and ±∞ are dropped and counted.
    #[inline]
    pub fn record(&self, value: f64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            if value.is_finite() {
                inner.record(value, attributes);
            } else {
                crate::diagnostics::drop_non_finite("gauge", value);
            }
        }
    }
}

/// Adds to a [`Counter`] or [`UpDownCounter`] handle, building the attributes only when the
/// handle records: the metric twin of [`log!`](crate::log). Through a NoOp handle the call is
/// one inlined branch, and neither the value nor the attribute expressions are evaluated.
///
/// `add!(handle, value, key => value, ...)`; keys and values as in [`attrs!`](crate::attrs).
///
/// ```
/// use telemetry_core::{Counter, add};
/// let requests = Counter::noop();
/// add!(requests, 1, "http.route" => "/v1/sessions", "http.response.status_code" => 201);
/// ```
#[macro_export]
macro_rules! add {
    ($handle:expr, $value:expr $(, $key:expr => $val:expr)* $(,)?) => {
        $crate::__if_live!($handle, add, $value $(, $key => $val)*)
    };
}

/// Records into a [`Histogram`] or [`Gauge`] handle, building the attributes only when the
/// handle records; see [`add!`](crate::add).
///
/// ```
/// use telemetry_core::{Histogram, record};
/// let latency = Histogram::noop();
/// record!(latency, 0.25, "http.route" => "/v1/sessions");
/// ```
#[macro_export]
macro_rules! record {
    ($handle:expr, $value:expr $(, $key:expr => $val:expr)* $(,)?) => {
        $crate::__if_live!($handle, record, $value $(, $key => $val)*)
    };
}

/// `handle.$method(value, &attrs![...])`, with the attributes built only for a live handle:
/// the body of [`add!`](crate::add) and [`record!`](crate::record).
#[doc(hidden)]
#[macro_export]
macro_rules! __if_live {
    ($handle:expr, $method:ident, $value:expr $(, $key:expr => $val:expr)*) => {{
        let handle = &$handle;
        if !handle.is_noop() {
            handle.$method($value, &$crate::attrs![$($key => $val),*]);
        }
    }};
}

/// Records elapsed seconds into a histogram when dropped. See [`Histogram::start_timer`].
#[must_use = "the timer records when dropped"]
pub struct HistogramTimer<'a> {
    histogram: &'a Histogram,
    attributes: &'a [Attribute],
    start: Instant,
}

impl Drop for HistogramTimer<'_> {
    fn drop(&mut self) {
        self.histogram
            .record_duration(self.start.elapsed(), self.attributes);
    }
}

/// Counters, histograms, gauges and duration measurement.
///
/// Object-safe, `Send + Sync`; hold it as a [`SharedMeter`](crate::SharedMeter) (NoOp without a
/// virtual call) or an `Arc<dyn Meter>`. Instruments are created per meter
/// (not in globals) and cached by name and kind: creating the same instrument twice returns a
/// handle to the same aggregation.
///
/// Keep per-request identifiers (session ids, correlation ids) out of metric attributes: every
/// distinct attribute set is a separate time series.
pub trait Meter: Send + Sync {
    /// A monotonic counter handle.
    fn counter(&self, descriptor: &InstrumentDescriptor) -> Counter;
    /// An up-down counter handle.
    fn up_down_counter(&self, descriptor: &InstrumentDescriptor) -> UpDownCounter;
    /// A histogram handle; a descriptor without boundaries gets [`DEFAULT_BUCKETS`] unless
    /// its unit is `s`, which gets [`DURATION_BUCKETS_SECONDS`].
    fn histogram(&self, descriptor: &InstrumentDescriptor) -> Histogram;
    /// A gauge handle.
    fn gauge(&self, descriptor: &InstrumentDescriptor) -> Gauge;

    /// Adds `value` to the counter `name`, creating it on first use.
    ///
    /// An invalid name drops the measurement and counts it in
    /// [`diagnostics::invalid_metric_names`](crate::diagnostics::invalid_metric_names).
    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]);

    /// Records `value` into the histogram `name` (no unit, default buckets), creating it on
    /// first use. Invalid names and non-finite values are dropped and counted.
    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]);

    /// Records `duration` in seconds into the histogram `name` (unit `s`,
    /// [`DURATION_BUCKETS_SECONDS`]), creating it on first use.
    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]);

    /// Whether every call does nothing, now and for good (the NoOp meter; a disabled SDK). A
    /// [`SharedMeter`](crate::SharedMeter) then skips calling it at all.
    fn is_noop(&self) -> bool {
        false
    }
}

/// Generic conveniences over any [`Meter`], including `dyn` ones.
pub trait MeterExt: Meter {
    /// Awaits `future` and records its elapsed time in seconds into the histogram `name`
    /// (unit `s`), whether it returns `Ok`, `Err`, or is dropped before completing.
    ///
    /// ```
    /// use telemetry_core::{MeterExt, NoOpMeter, attrs};
    /// # futures::executor::block_on(async {
    /// let meter = NoOpMeter;
    /// let r: Result<u8, &str> = meter
    ///     .measure_duration("tool.duration", &attrs!["tool" => "clock"], async { Err("boom") })
    ///     .await;
    /// assert!(r.is_err());
    /// # });
    /// ```
    fn measure_duration<'a, F: Future>(
        &'a self,
        name: &'a str,
        attributes: &'a [Attribute],
        future: F,
    ) -> MeasureDuration<'a, Self, F> {
        MeasureDuration {
            meter: self,
            name,
            attributes,
            start: None,
            future,
        }
    }
}

impl<M: Meter + ?Sized> MeterExt for M {}

pin_project_lite::pin_project! {
    /// A future that records its own duration. See [`MeterExt::measure_duration`].
    #[must_use = "futures do nothing unless polled"]
    pub struct MeasureDuration<'a, M: ?Sized, F> where M: Meter {
        meter: &'a M,
        name: &'a str,
        attributes: &'a [Attribute],
        // Set on first poll, so time spent before the future is awaited does not count.
        start: Option<Instant>,
        #[pin]
        future: F,
    }

    impl<M: ?Sized, F> PinnedDrop for MeasureDuration<'_, M, F> where M: Meter {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(start) = this.start.take() {
                this.meter.record_duration(this.name, start.elapsed(), this.attributes);
            }
        }
    }
}

impl<M: Meter + ?Sized, F: Future> Future for MeasureDuration<'_, M, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let start = *this.start.get_or_insert_with(Instant::now);
        let out = this.future.poll(cx);
        if out.is_ready() {
            *this.start = None;
            this.meter
                .record_duration(this.name, start.elapsed(), this.attributes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what reaches it, to check the macros against a live handle.
    #[derive(Default)]
    struct Seen(std::sync::Mutex<Vec<(f64, Vec<Attribute>)>>);
    impl CounterFn for Seen {
        fn add(&self, value: u64, attributes: &[Attribute]) {
            self.0
                .lock()
                .unwrap()
                .push((value as f64, attributes.to_vec()));
        }
    }
    impl HistogramFn for Seen {
        fn record(&self, value: f64, attributes: &[Attribute]) {
            self.0.lock().unwrap().push((value, attributes.to_vec()));
        }
    }

    #[test]
    fn macros_record_through_live_handles_and_evaluate_nothing_for_noop_ones() {
        let seen = Arc::new(Seen::default());
        crate::add!(Counter::new(seen.clone()), 2, "route" => "/a", "code" => 201);
        crate::record!(Histogram::new(seen.clone()), 0.5, "route" => "/b");
        let got = seen.0.lock().unwrap().clone();
        assert_eq!(
            got,
            [
                (2.0, crate::attrs!["route" => "/a", "code" => 201].to_vec()),
                (0.5, crate::attrs!["route" => "/b"].to_vec()),
            ]
        );
        let evaluated = std::cell::Cell::new(0);
        let count = || {
            evaluated.set(evaluated.get() + 1);
            1_u32
        };
        crate::add!(Counter::noop(), u64::from(count()), "route" => { count(); "/a" });
        crate::record!(Histogram::noop(), f64::from(count()));
        assert_eq!(
            evaluated.get(),
            0,
            "a NoOp handle evaluates neither value nor attributes"
        );
    }

    #[test]
    fn instrument_names_follow_the_otel_syntax() {
        for ok in [
            "a",
            "http.server.request.duration",
            "a/b-c_d.e",
            &"x".repeat(255),
        ] {
            assert!(validate_instrument_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "_a", "a b", "a:b", "ü", &"x".repeat(256)] {
            let e = validate_instrument_name(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("invalid instrument name") && e.contains("starting with a letter"),
                "{e}"
            );
        }
    }

    #[test]
    fn boundaries_must_increase() {
        let d = InstrumentDescriptor::new("h").unwrap();
        assert!(d.clone().with_boundaries(vec![1.0, 1.0]).is_err());
        assert!(d.clone().with_boundaries(vec![1.0, f64::NAN]).is_err());
        assert!(d.seconds().boundaries() == Some(DURATION_BUCKETS_SECONDS));
    }
}
