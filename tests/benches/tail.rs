//! Group 8, tail sampling: what `agent_tail` costs per trace, and what it saves.
//!
//! Each iteration is one trace of 5 spans (a root with 2 attributes and a log event, 4
//! children with 2 attributes each), through this project's OpenTelemetry implementation with
//! the SDK's simple span processor in front of the exporter (see `benches/otel.rs` for why the
//! simple one):
//!
//! - `trace_export_all_discard` / `trace_tail_keep_all_discard`: the default sampler, against
//!   `agent_tail` at 1.0 (every span held until the root ends, the trace decided, every span
//!   forwarded), both into a discarding exporter. The ratio is the cost of holding for the
//!   decision (target ≤ 1.3×).
//! - `trace_export_all_encode` / `trace_tail_keep_tenth_encode`: the default sampler against
//!   `agent_tail` at 0.1, into an exporter that encodes each batch as an OTLP protobuf request
//!   (what the OTLP exporter does before sending), so the difference is export CPU saved.
//!
//! Recorded once, outside criterion: the tail sampler's estimate of the bytes it holds for
//! 1,000 concurrent open traces (each an open root with 9 ended children of 6 attributes and
//! one event), and the process's resident memory growth while holding them.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use agent_telemetry_benches::{Discard, record, rss};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
use prost::Message as _;
use telemetry_core::{ContextualCorrelator, CorrelatorExt, Logger, ScopeOptions, attrs};
use telemetry_otel::{ExporterKind, OpenTelemetry, SamplerConfig, Signal};

const GROUP: &str = "tail";

/// Encodes every batch as an OTLP `ExportTraceServiceRequest`, then drops it.
#[derive(Debug)]
struct Encode(ResourceAttributesWithSchema);

impl SpanExporter for Encode {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.0),
        };
        black_box(request.encode_to_vec());
        Ok(())
    }
}

fn pipeline<E: SpanExporter + 'static>(
    sampler: Option<SamplerConfig>,
    exporter: E,
) -> OpenTelemetry {
    let mut b = OpenTelemetry::builder("bench")
        .with_env_source(|_| None)
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[ExporterKind::Console])
        .with_metric_export_interval(Duration::from_secs(3600))
        .with_span_processor(SimpleSpanProcessor::new(exporter));
    if let Some(s) = sampler {
        b = b.with_sampler(s);
    }
    b.build().expect("a valid configuration")
}

fn encode() -> Encode {
    Encode(ResourceAttributesWithSchema::from(
        &Resource::builder_empty().with_service_name("bench").build(),
    ))
}

/// One trace of 5 spans.
fn trace(otel: &OpenTelemetry) {
    let root = otel.enter_scope("turn", &attrs!["http.route" => "/v1/turn", "turn" => 1]);
    otel.info("turn started", &[]);
    for i in 0..4_i64 {
        drop(otel.enter_scope(
            "step",
            &attrs!["step" => i, "gen_ai.operation.name" => "chat"],
        ));
    }
    drop(black_box(root));
}

fn cases(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    let tail = |p| Some(SamplerConfig::AgentTail(p));
    for (case, otel) in [
        ("trace_export_all_discard", pipeline(None, Discard)),
        ("trace_tail_keep_all_discard", pipeline(tail(1.0), Discard)),
        ("trace_export_all_encode", pipeline(None, encode())),
        (
            "trace_tail_keep_tenth_encode",
            pipeline(tail(0.1), encode()),
        ),
    ] {
        g.bench_function(case, |b| b.iter(|| trace(&otel)));
    }
    g.finish();
}

/// Bytes held for 1,000 concurrent open traces: the sampler's estimate and the RSS growth.
fn held_memory() {
    let otel = pipeline(tail(1.0), Discard);
    let before = rss().map(|(now, _)| now);
    let roots: Vec<_> = (0..1000)
        .map(|t| {
            let root = otel.open_scope(ScopeOptions::new("turn").root());
            for i in 0..9_i64 {
                let child = otel.open_scope(
                    ScopeOptions::new("execute_tool calculator")
                        .child_of(root.context())
                        .attributes(&attrs![
                            "gen_ai.operation.name" => "execute_tool",
                            "gen_ai.tool.name" => "calculator",
                            "gen_ai.tool.call.id" => format!("call_{t}_{i}"),
                            "gen_ai.usage.input_tokens" => 120,
                            "gen_ai.usage.output_tokens" => 40,
                            "step" => i
                        ]),
                );
                let _current = child.enter();
                otel.info("tool called", &attrs!["attempt" => 1]);
            }
            root
        })
        .collect();
    let counts = otel.tail_sampling().expect("agent_tail");
    let after = rss().map(|(now, _)| now);
    record(
        GROUP,
        "held_bytes_1000_open_traces",
        counts.held_bytes as f64,
        "B",
    );
    if let (Some(a), Some(b)) = (before, after) {
        record(
            GROUP,
            "rss_growth_1000_open_traces",
            b.saturating_sub(a) as f64,
            "B",
        );
    }
    drop(roots);
}

fn tail(p: f64) -> Option<SamplerConfig> {
    Some(SamplerConfig::AgentTail(p))
}

fn memory(_: &mut Criterion) {
    held_memory();
}

criterion_group!(benches, cases, memory);
criterion_main!(benches);
