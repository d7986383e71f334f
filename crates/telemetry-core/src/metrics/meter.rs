//! The [`Meter`] trait and duration measurement ([`MeterExt::measure_duration`]).

// pin-project-lite cannot parse `M: ?Sized + Meter` in a generics list, so the `Meter` bound of
// `MeasureDuration` must sit in a where clause.
#![allow(clippy::multiple_bound_locations)]

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::attributes::attribute::Attribute;
use crate::metrics::handles::Counter;
use crate::metrics::handles::F64Counter;
use crate::metrics::handles::Gauge;
use crate::metrics::handles::Histogram;
use crate::metrics::handles::UpDownCounter;
use crate::metrics::instrument::InstrumentDescriptor;

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
    /// A monotonic counter handle with `f64` values (a cost in USD, say). Provided: NoOp, so
    /// implementations written before it still compile; Basic and OpenTelemetry record.
    fn f64_counter(&self, descriptor: &InstrumentDescriptor) -> F64Counter {
        let _ = descriptor;
        F64Counter::noop()
    }
    /// An up-down counter handle.
    fn up_down_counter(&self, descriptor: &InstrumentDescriptor) -> UpDownCounter;
    /// A histogram handle; a descriptor without boundaries gets [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS) unless
    /// its unit is `s`, which gets [`DURATION_BUCKETS_SECONDS`](crate::DURATION_BUCKETS_SECONDS).
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
    /// [`DURATION_BUCKETS_SECONDS`](crate::DURATION_BUCKETS_SECONDS)), creating it on first use.
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
