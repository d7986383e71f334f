//! Instrument handles ([`Counter`], [`F64Counter`], [`UpDownCounter`], [`Histogram`], [`Gauge`]), the traits
//! an implementation puts behind them, and the `add!` / `record!` macros.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::attributes::attribute::Attribute;

/// The implementation behind a [`Counter`].
pub trait CounterFn: Send + Sync {
    /// Adds `value`.
    fn add(&self, value: u64, attributes: &[Attribute]);
}

/// The implementation behind an [`F64Counter`]. Values reaching it are finite and `>= 0`.
pub trait F64CounterFn: Send + Sync {
    /// Adds `value`.
    fn add(&self, value: f64, attributes: &[Attribute]);
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
        /// Create it once with the [`Meter`](crate::Meter) and keep it; recording is one branch plus the
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
    /// A monotonic counter handle with fractional values (`f64`), for amounts such as a cost
    /// in USD (OpenTelemetry Metrics API, *Counter*, which allows floating-point values).
    F64Counter,
    F64CounterFn
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

/// Whether `value` may reach an implementation of an `f64` instrument (`kind`, for the
/// warning): NaN and ±∞ may not, and are counted ([`diagnostics`](crate::diagnostics)).
#[inline]
fn finite(kind: &'static str, value: f64) -> bool {
    let ok = value.is_finite();
    if !ok {
        crate::diagnostics::drop_non_finite(kind, value);
    }
    ok
}

impl Counter {
    /// Adds `value`.
    #[inline]
    pub fn add(&self, value: u64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            inner.add(value, attributes);
        }
    }
}

impl F64Counter {
    /// Adds `value`; a negative, NaN or infinite value is dropped (a counter only grows) and
    /// non-finite ones are counted ([`diagnostics`](crate::diagnostics)).
    #[inline]
    pub fn add(&self, value: f64, attributes: &[Attribute]) {
        if let Some(inner) = &self.0 {
            if finite("f64 counter", value) && value >= 0.0 {
                inner.add(value, attributes);
            }
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
            if finite("histogram", value) {
                inner.record(value, attributes);
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
            if finite("gauge", value) {
                inner.record(value, attributes);
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
                (2.0, attrs!["route" => "/a", "code" => 201].to_vec()),
                (0.5, attrs!["route" => "/b"].to_vec()),
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
}
