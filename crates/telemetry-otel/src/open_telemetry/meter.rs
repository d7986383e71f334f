//! Metrics: the [`Meter`] implementation over the cached SDK instruments of `instruments`.
//! Without a metrics exporter every handle is a no-op.

use std::time::Duration;

use telemetry_core::{
    Attribute, Counter, F64Counter, Gauge, Histogram, InstrumentDescriptor, Meter, UpDownCounter,
};

use crate::open_telemetry::OpenTelemetry;

impl Meter for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    fn counter(&self, descriptor: &InstrumentDescriptor) -> Counter {
        match &self.inner.instruments {
            Some(i) => Counter::new(i.counter(descriptor)),
            None => Counter::noop(),
        }
    }

    fn f64_counter(&self, descriptor: &InstrumentDescriptor) -> F64Counter {
        match &self.inner.instruments {
            Some(i) => F64Counter::new(i.f64_counter(descriptor)),
            None => F64Counter::noop(),
        }
    }

    fn up_down_counter(&self, descriptor: &InstrumentDescriptor) -> UpDownCounter {
        match &self.inner.instruments {
            Some(i) => UpDownCounter::new(i.up_down_counter(descriptor)),
            None => UpDownCounter::noop(),
        }
    }

    fn histogram(&self, descriptor: &InstrumentDescriptor) -> Histogram {
        match &self.inner.instruments {
            Some(i) => Histogram::new(i.histogram(descriptor)),
            None => Histogram::noop(),
        }
    }

    fn gauge(&self, descriptor: &InstrumentDescriptor) -> Gauge {
        match &self.inner.instruments {
            Some(i) => Gauge::new(i.gauge(descriptor)),
            None => Gauge::noop(),
        }
    }

    #[inline]
    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .add_counter(self, name, value, attributes);
        }
    }

    #[inline]
    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .record_histogram(self, name, value, attributes);
        }
    }

    #[inline]
    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .record_duration(self, name, duration, attributes);
        }
    }
}
