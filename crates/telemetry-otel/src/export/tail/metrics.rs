//! The tail sampler's counts as self-observability metrics (with
//! `AGENT_TELEMETRY_SELF_OBSERVABILITY=true`), named with this project's prefix: the SDK
//! self-observability conventions (semantic-conventions v1.41.0, `model/otel/metrics.yaml`)
//! define none for tail sampling.
//!
//! | metric | instrument | unit | attributes |
//! | --- | --- | --- | --- |
//! | `agent_telemetry.sdk.tail_sampling.traces` | counter | `{trace}` | `agent_telemetry.sampling.decision` = `kept` / `dropped`, `agent_telemetry.sampling.reason` (kept: `remote_sampled`, `error`, `latency`, `tokens`, `cost`, `attribute`, `probability`; dropped: `probability`, `rate_limited`) |
//! | `agent_telemetry.sdk.tail_sampling.decided_early` | counter | `{trace}` | `agent_telemetry.sampling.reason` = `timeout`, `max_traces`, `max_bytes`, `shutdown` |
//! | `agent_telemetry.sdk.tail_sampling.spans` | counter | `{span}` | `agent_telemetry.sampling.decision` = `kept` / `dropped` |
//! | `agent_telemetry.sdk.tail_sampling.held` | up-down counter | `{span}` | none: ended spans waiting for their trace's decision |
//! | `agent_telemetry.sdk.tail_sampling.held_bytes` | up-down counter | `By` | none: their estimated size |

use std::sync::atomic::Ordering;

use opentelemetry::KeyValue;
use opentelemetry::metrics::Meter;

use crate::export::tail::TailHandle;
use crate::export::tail::counts::{Dropped, Early, Kept};

const DECISION: &str = "agent_telemetry.sampling.decision";
const REASON: &str = "agent_telemetry.sampling.reason";

/// Registers the table's observable instruments; their callbacks hold the handle for as
/// long as the meter provider lives.
pub(crate) fn register(meter: &Meter, tail: &TailHandle) {
    let t = tail.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.tail_sampling.traces")
        .with_unit("{trace}")
        .with_description("Traces the tail sampler decided, by decision and reason.")
        .with_callback(move |o| {
            let s = t.stats();
            for r in Kept::ALL {
                o.observe(
                    s.kept[r as usize].load(Ordering::Relaxed),
                    &[
                        KeyValue::new(DECISION, "kept"),
                        KeyValue::new(REASON, r.as_str()),
                    ],
                );
            }
            for r in Dropped::ALL {
                o.observe(
                    s.dropped[r as usize].load(Ordering::Relaxed),
                    &[
                        KeyValue::new(DECISION, "dropped"),
                        KeyValue::new(REASON, r.as_str()),
                    ],
                );
            }
        })
        .build();
    let t = tail.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.tail_sampling.decided_early")
        .with_unit("{trace}")
        .with_description(
            "Traces decided on the spans that had arrived, before all had ended, by reason.",
        )
        .with_callback(move |o| {
            for r in Early::ALL {
                o.observe(
                    t.stats().early[r as usize].load(Ordering::Relaxed),
                    &[KeyValue::new(REASON, r.as_str())],
                );
            }
        })
        .build();
    let t = tail.clone();
    meter
        .u64_observable_counter("agent_telemetry.sdk.tail_sampling.spans")
        .with_unit("{span}")
        .with_description("Spans forwarded to the exporters (kept) or sampled out (dropped).")
        .with_callback(move |o| {
            let s = t.stats();
            o.observe(
                s.spans_kept.load(Ordering::Relaxed),
                &[KeyValue::new(DECISION, "kept")],
            );
            o.observe(
                s.spans_dropped.load(Ordering::Relaxed),
                &[KeyValue::new(DECISION, "dropped")],
            );
        })
        .build();
    for (name, unit, bytes) in [
        ("agent_telemetry.sdk.tail_sampling.held", "{span}", false),
        ("agent_telemetry.sdk.tail_sampling.held_bytes", "By", true),
    ] {
        let t = tail.clone();
        meter
            .i64_observable_up_down_counter(name)
            .with_unit(unit)
            .with_description(
                "Ended spans held for their trace's decision (count or estimated bytes).",
            )
            .with_callback(move |o| {
                let s = t.stats();
                let v = if bytes { &s.held_bytes } else { &s.held_spans };
                o.observe(v.load(Ordering::Relaxed), &[]);
            })
            .build();
    }
}
