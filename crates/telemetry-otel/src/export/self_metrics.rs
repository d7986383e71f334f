//! The pipeline's own counts as OpenTelemetry metrics, so that losses are visible on any
//! backend without Rust: named after the SDK self-observability conventions
//! (semantic-conventions v1.41.0, `model/otel/metrics.yaml`, status Development) where one
//! exists, and `agent_telemetry.sdk.*` where none does. Off unless
//! `AGENT_TELEMETRY_SELF_OBSERVABILITY=true` or
//! [`OpenTelemetryBuilder::with_self_observability`](crate::OpenTelemetryBuilder::with_self_observability).
//!
//! | metric | instrument | unit | value |
//! | --- | --- | --- | --- |
//! | `otel.sdk.span.started` | counter | `{span}` | sampled spans started |
//! | `otel.sdk.exporter.span.exported` | counter | `{span}` | spans whose export finished; `error.type` = `export_failed` for those lost in a failed export, `refused_by_backend` for those dropped because the backend does not accept spans |
//! | `otel.sdk.log.created` | counter | `{log_record}` | log records handed to the pipeline |
//! | `otel.sdk.exporter.log.exported` | counter | `{log_record}` | as for spans |
//! | `agent_telemetry.sdk.span.not_exported` | up-down counter | `{span}` | handed over but not given to an exporter: queued, dropped on a full queue, or still open |
//! | `agent_telemetry.sdk.log.not_exported` | up-down counter | `{log_record}` | queued or dropped on a full queue |
//! | `agent_telemetry.sdk.span_event.over_limit` | counter | `{event}` | log calls not recorded as span events (event limit) |
//! | `agent_telemetry.sdk.export.queue.size` | gauge | `By` | encoded OTLP request bytes waiting in memory, per `agent_telemetry.signal` (`traces`, `metrics`, `logs`) |
//! | `agent_telemetry.sdk.export.spool.size` | gauge | `By` | bytes of the spool's files, per signal |
//! | `agent_telemetry.sdk.export.oldest_pending.age` | gauge | `s` | how long the oldest undelivered batch has waited, per signal (0 when none) |
//! | `agent_telemetry.sdk.export.retries` | counter | `{attempt}` | failed export attempts that were retried, per signal |
//! | `agent_telemetry.sdk.export.dropped` | counter | `{item}` | items dropped after they reached the export queue, per signal and `error.type`: `rejected`, `retry_window_expired`, `queue_full`, `spool_full`, `shutdown_deadline`, `corrupt_spool_file` (counted in files) |
//!
//! Under `agent_tail` sampling, `agent_telemetry.sdk.tail_sampling.*` join them (see
//! `export/tail/metrics.rs`).
//!
//! Read at each metric collection from the same counts as
//! [`OpenTelemetry::export_failures`](crate::OpenTelemetry::export_failures), so they cost
//! nothing on the application's path. What the metrics exporter itself fails to send is
//! counted in those numbers but, the metrics exporter being down, cannot be reported by it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry::KeyValue;
use opentelemetry::metrics::Meter;

use crate::drops::DropReason;
use crate::failures::Stats;
use crate::signal::Signal;

/// Turns the metrics on (`true`) or off (`false`, the default); code wins
/// ([`OpenTelemetryBuilder::with_self_observability`](crate::OpenTelemetryBuilder::with_self_observability)).
pub const ENV: &str = "AGENT_TELEMETRY_SELF_OBSERVABILITY";

/// `error.type` of items lost in a failed export.
pub(crate) const EXPORT_FAILED: &str = "export_failed";

/// `error.type` of items dropped because the backend does not accept their signal (see
/// [`SignalFailures::refused_by_backend`](crate::failures::SignalFailures::refused_by_backend)).
pub(crate) const REFUSED_BY_BACKEND: &str = "refused_by_backend";

/// Registers the observable instruments of the table on `meter`; their callbacks hold
/// `stats` for as long as the meter provider lives.
pub(crate) fn register(meter: &Meter, stats: &Arc<Stats>) {
    let s = stats.clone();
    meter
        .u64_observable_counter("otel.sdk.span.started")
        .with_unit("{span}")
        .with_description("The number of created spans.")
        .with_callback(move |o| o.observe(s.spans_started.load(Ordering::Relaxed), &[]))
        .build();
    let s = stats.clone();
    meter
        .u64_observable_counter("otel.sdk.log.created")
        .with_unit("{log_record}")
        .with_description("The number of logs submitted to enabled SDK Loggers.")
        .with_callback(move |o| {
            o.observe(
                s.signal(Signal::Logs).submitted.load(Ordering::Relaxed),
                &[],
            )
        })
        .build();
    for (signal, name, unit) in [
        (Signal::Traces, "otel.sdk.exporter.span.exported", "{span}"),
        (
            Signal::Logs,
            "otel.sdk.exporter.log.exported",
            "{log_record}",
        ),
    ] {
        let s = stats.clone();
        meter
            .u64_observable_counter(name)
            .with_unit(unit)
            .with_description("The number of items for which the export has finished, either successful or failed.")
            .with_callback(move |o| {
                let st = s.signal(signal);
                o.observe(st.exported.load(Ordering::Relaxed), &[]);
                o.observe(
                    st.failed_items.load(Ordering::Relaxed),
                    &[KeyValue::new("error.type", EXPORT_FAILED)],
                );
                if st.refused.load(Ordering::Relaxed) {
                    o.observe(
                        st.refused_items.load(Ordering::Relaxed),
                        &[KeyValue::new("error.type", REFUSED_BY_BACKEND)],
                    );
                }
            })
            .build();
    }
    for (pick, name, unit) in [
        (0, "agent_telemetry.sdk.span.not_exported", "{span}"),
        (1, "agent_telemetry.sdk.log.not_exported", "{log_record}"),
    ] {
        let s = stats.clone();
        meter
            .i64_observable_up_down_counter(name)
            .with_unit(unit)
            .with_description(
                "Items handed to the pipeline but not given to an exporter: queued, dropped on \
                 a full queue, or (spans) still open.",
            )
            .with_callback(move |o| {
                let f = s.snapshot();
                let n = if pick == 0 { f.traces } else { f.logs }.not_exported;
                o.observe(i64::try_from(n).unwrap_or(i64::MAX), &[]);
            })
            .build();
    }
    let s = stats.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.span_event.over_limit")
        .with_unit("{event}")
        .with_description(
            "Log calls not recorded as span events because the span's event limit was reached.",
        )
        .with_callback(move |o| o.observe(s.events_over_limit.load(Ordering::Relaxed), &[]))
        .build();
    register_delivery(meter, stats);
}

/// The export queue's and spool's gauges and counters (see the table).
fn register_delivery(meter: &Meter, stats: &Arc<Stats>) {
    let signal_attr = |s: Signal| [KeyValue::new("agent_telemetry.signal", s.to_string())];
    let s = stats.clone();
    meter
        .u64_observable_gauge("agent_telemetry.sdk.export.queue.size")
        .with_unit("By")
        .with_description("Encoded OTLP request bytes waiting in memory for delivery.")
        .with_callback(move |o| {
            for signal in Signal::ALL {
                let b = s.signal(signal).backlog();
                o.observe(b.queued_bytes, &signal_attr(signal));
            }
        })
        .build();
    let s = stats.clone();
    meter
        .u64_observable_gauge("agent_telemetry.sdk.export.spool.size")
        .with_unit("By")
        .with_description("Bytes of the disk spool's files.")
        .with_callback(move |o| {
            for signal in Signal::ALL {
                let b = s.signal(signal).backlog();
                o.observe(b.spool_bytes, &signal_attr(signal));
            }
        })
        .build();
    let s = stats.clone();
    meter
        .f64_observable_gauge("agent_telemetry.sdk.export.oldest_pending.age")
        .with_unit("s")
        .with_description("How long the oldest batch not yet delivered has waited.")
        .with_callback(move |o| {
            for signal in Signal::ALL {
                let age = s.signal(signal).backlog().oldest_pending;
                o.observe(age.map_or(0.0, |a| a.as_secs_f64()), &signal_attr(signal));
            }
        })
        .build();
    let s = stats.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.export.retries")
        .with_unit("{attempt}")
        .with_description("Failed export attempts that were tried again.")
        .with_callback(move |o| {
            for signal in Signal::ALL {
                let n = s.signal(signal).retries.load(Ordering::Relaxed);
                o.observe(n, &signal_attr(signal));
            }
        })
        .build();
    let s = stats.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.export.dropped")
        .with_unit("{item}")
        .with_description("Items dropped after they reached the export queue, by reason.")
        .with_callback(move |o| {
            for signal in Signal::ALL {
                for reason in DropReason::ALL {
                    let n = s.signal(signal).dropped(reason);
                    if n > 0 {
                        o.observe(
                            n,
                            &[
                                KeyValue::new("agent_telemetry.signal", signal.to_string()),
                                KeyValue::new("error.type", reason.name()),
                            ],
                        );
                    }
                }
            }
        })
        .build();
}
