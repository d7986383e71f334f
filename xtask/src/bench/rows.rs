//! The Performance table's rows: each figure, what it is compared against, and the target it
//! is held to.

/// Where a figure comes from.
#[derive(Clone, Copy)]
pub(super) enum Source {
    /// A criterion case: `group/case`, time per operation in ns.
    Criterion(&'static str, &'static str),
    /// A figure the suite recorded itself: `group/case`, with its unit.
    Extra(&'static str, &'static str),
}

/// The target a row is held to.
#[derive(Clone, Copy)]
pub(super) enum Target {
    None,
    /// At most this many ns per operation.
    MaxNs(f64),
    /// At most this value (allocations, drops), in the row's unit.
    Max(f64),
    /// At least this value (spans/s), in the row's unit.
    Min(f64),
    /// value / reference at most this.
    MaxRatio(f64),
    /// value / reference at least this (a rate that may fall at most so far below the
    /// reference's).
    MinRatio(f64),
    /// reference / value at least this ("N× faster").
    MinSpeedup(f64),
}

pub(super) struct Row {
    pub(super) group: &'static str,
    pub(super) case: &'static str,
    pub(super) value: Source,
    pub(super) reference: Option<(&'static str, Source)>,
    pub(super) target: Target,
}

const fn row(
    group: &'static str,
    case: &'static str,
    value: Source,
    reference: Option<(&'static str, Source)>,
    target: Target,
) -> Row {
    Row {
        group,
        case,
        value,
        reference,
        target,
    }
}

use Source::{Criterion as C, Extra as X};

// References that several rows share.
const TRACING_SPAN: Option<(&str, Source)> = Some((
    "`tracing` span, no subscriber",
    C("disabled", "tracing_span"),
));
const TRACING_EVENT: Option<(&str, Source)> = Some((
    "`tracing` event, no subscriber",
    C("disabled", "tracing_event"),
));
const OTEL_NOOP_COUNTER: Option<(&str, Source)> =
    Some(("OTel no-op API counter", C("disabled", "otel_noop_counter")));
const FASTRACE_SPAN: Option<(&str, Source)> =
    Some(("fastrace local span", C("basic", "fastrace_local_span")));
const METRICS_HANDLE: Option<(&str, Source)> = Some((
    "`metrics` counter handle",
    C("basic", "metrics_counter_handle"),
));

const SDK_OTLP_THROUGHPUT: Option<(&str, Source)> = Some((
    "the SDK's `opentelemetry-otlp` gRPC exporter, same pipeline and receiver",
    X("export", "throughput_max_sdk_otlp"),
));

/// The table: what each case is compared against and the target it must meet.
pub(super) const ROWS: &[Row] = &[
    // 1. Disabled path.
    row(
        "disabled",
        "NoOp scope enter+exit (`Telemetry::noop()` handle)",
        C("disabled", "noop_scope"),
        TRACING_SPAN,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp scope enter+exit (`Arc<dyn ContextualCorrelator>`)",
        C("disabled", "noop_scope_dyn"),
        TRACING_SPAN,
        Target::None,
    ),
    row(
        "disabled",
        "NoOp scope enter+exit (`NoOpCorrelator`, static)",
        C("disabled", "noop_scope_static"),
        TRACING_SPAN,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp scope enter+exit: allocations",
        X("disabled", "noop_scope_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp log call, literal `attrs!` (a constant)",
        C("disabled", "noop_log"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call (`NoOpLogger`, static), literal `attrs!`",
        C("disabled", "noop_log_static"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, `attrs!` with a run-time value (built per call)",
        C("disabled", "noop_log_runtime"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, `info!` macro with that run-time value (built only when enabled)",
        C("disabled", "noop_log_macro"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, attributes prepared",
        C("disabled", "noop_log_prepared"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call: allocations",
        X("disabled", "noop_log_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, literal `attrs!` (a constant)",
        C("disabled", "noop_counter"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, `attrs!` with a run-time value (built per call)",
        C("disabled", "noop_counter_runtime"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, `add!` macro with that run-time value (built only for a live handle)",
        C("disabled", "noop_counter_macro"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, attributes prepared",
        C("disabled", "noop_counter_prepared"),
        Some((
            "`metrics` handle, no recorder",
            C("disabled", "metrics_counter"),
        )),
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter: allocations",
        X("disabled", "noop_counter_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp counter by name, literal `attrs!`",
        C("disabled", "noop_counter_by_name"),
        Some((
            "`metrics::counter!`, no recorder",
            C("disabled", "metrics_counter_macro"),
        )),
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "`tracing` event filtered out, `TelemetryLayer` installed behind an INFO filter",
        C("disabled", "tracing_layer_disabled_event"),
        TRACING_EVENT,
        Target::MaxRatio(1.5),
    ),
    row(
        "disabled",
        "OTel no-op API span start+end",
        C("disabled", "otel_noop_span"),
        None,
        Target::None,
    ),
    // 2. Basic.
    row(
        "basic",
        "scope enter+exit",
        C("basic", "scope"),
        FASTRACE_SPAN,
        Target::MaxNs(60.0),
    ),
    row(
        "basic",
        "scope enter+exit through `Arc<dyn ContextualCorrelator>`",
        C("basic", "scope_dyn"),
        FASTRACE_SPAN,
        Target::MaxNs(60.0),
    ),
    row(
        "basic",
        "scope with 2 attributes",
        C("basic", "scope_2_attributes"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "scope with 1 span link (1 attribute)",
        C("basic", "scope_1_link"),
        Some(("Basic scope enter+exit", C("basic", "scope"))),
        Target::None,
    ),
    row(
        "basic",
        "async scope (`scoped`, polled to completion)",
        C("basic", "scope_async"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "nested scopes, depth 3",
        C("basic", "scope_nested_3"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "scope enter+exit, span recorder attached (`Recorder::attach`, 500 traces held)",
        C("basic", "scope_recorded"),
        Some((
            "the same scope, same bundle, no recorder",
            C("basic", "scope_bundle"),
        )),
        Target::None,
    ),
    row(
        "basic",
        "text log call to a discarding sink",
        C("basic", "log_text_sink"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "log call below the level",
        C("basic", "log_disabled_level"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "counter by handle",
        C("basic", "counter"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "counter by handle, 1 attribute",
        C("basic", "counter_1_attribute"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "counter by name, 1 attribute",
        C("basic", "counter_by_name"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "histogram by handle",
        C("basic", "histogram"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "histogram by handle, 1 attribute",
        C("basic", "histogram_1_attribute"),
        None,
        Target::None,
    ),
    // 3. OpenTelemetry.
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "raw SDK, span made current (same work)",
            C("otel", "raw_sdk_attached_span_2_attributes_1_event"),
        )),
        Target::MaxRatio(1.05),
    ),
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "raw SDK, span value only (least work)",
            C("otel", "raw_sdk_span_2_attributes_1_event"),
        )),
        Target::None,
    ),
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "`tracing` + `tracing-opentelemetry`",
            C("otel", "tracing_otel_span_2_attributes_1_event"),
        )),
        Target::MinSpeedup(4.0),
    ),
    row(
        "otel",
        "`tracing` span, 2 fields + 1 event, through `TelemetryLayer` into this OpenTelemetry",
        C("otel", "tracing_layer_span_2_fields_1_event"),
        Some((
            "`tracing` + `tracing-opentelemetry`",
            C("otel", "tracing_otel_span_2_attributes_1_event"),
        )),
        Target::MinSpeedup(1.8),
    ),
    row(
        "otel",
        "`tracing` span, 2 fields + 1 event, `tracing-subscriber` registry alone (no layer: the floor under both rows above)",
        C("otel", "tracing_registry_span_2_fields_1_event"),
        Some((
            "`tracing` + `tracing-opentelemetry`",
            C("otel", "tracing_otel_span_2_attributes_1_event"),
        )),
        Target::None,
    ),
    row(
        "otel",
        "nested scope → span, nothing else",
        C("otel", "scope"),
        Some(("raw SDK span", C("otel", "raw_sdk_span"))),
        Target::None,
    ),
    row(
        "otel",
        "counter by handle",
        C("otel", "counter"),
        Some(("raw SDK counter", C("otel", "raw_sdk_counter"))),
        Target::MaxRatio(1.1),
    ),
    row(
        "otel",
        "counter by handle, 3 attributes",
        C("otel", "counter_3_attributes"),
        Some((
            "raw SDK counter, 3 attributes",
            C("otel", "raw_sdk_counter_3_attributes"),
        )),
        Target::None,
    ),
    row(
        "otel",
        "counter by name",
        C("otel", "counter_by_name"),
        Some(("raw SDK counter", C("otel", "raw_sdk_counter"))),
        Target::None,
    ),
    row(
        "otel",
        "histogram by handle (seconds)",
        C("otel", "histogram"),
        Some(("raw SDK histogram", C("otel", "raw_sdk_histogram"))),
        Target::None,
    ),
    // 4. Export.
    row(
        "export",
        "OTLP gRPC throughput, full speed (spans/s)",
        X("export", "throughput_max"),
        None,
        Target::Min(100_000.0),
    ),
    row(
        "export",
        "OTLP gRPC throughput, full speed, against the SDK's own exporter (spans/s)",
        X("export", "throughput_max"),
        SDK_OTLP_THROUGHPUT,
        Target::MinRatio(0.95),
    ),
    row(
        "export",
        "dropped at full speed (the 2048 queue overflows while the app emits faster than export)",
        X("export", "throughput_max_drops"),
        None,
        Target::None,
    ),
    row(
        "export",
        "OTLP gRPC throughput, paced at 100,000 spans/s (spans/s)",
        X("export", "throughput_paced_100k"),
        None,
        Target::None,
    ),
    row(
        "export",
        "drops paced at 100,000 spans/s",
        X("export", "throughput_paced_100k_drops"),
        None,
        Target::Max(0.0),
    ),
    row(
        "export",
        "peak RSS, 1,000,000 spans, collector down",
        X("export", "rss_collector_down_peak"),
        None,
        Target::None,
    ),
    row(
        "export",
        "RSS growth over those 1,000,000 spans",
        X("export", "rss_collector_down_growth"),
        None,
        Target::None,
    ),
    row(
        "export",
        "emit rate with the collector down (spans/s)",
        X("export", "collector_down_emit_rate"),
        Some((
            "the same with the SDK's `opentelemetry-otlp` exporter (which drops what it cannot send)",
            X("export", "collector_down_emit_rate_sdk_otlp"),
        )),
        Target::MinRatio(0.95),
    ),
    row(
        "export",
        "emit rate with the collector down (spans/s)",
        X("export", "collector_down_emit_rate"),
        Some((
            "the same pipeline's emit rate with the collector up, at full speed",
            X("export", "collector_up_emit_rate"),
        )),
        Target::MinRatio(0.95),
    ),
    // 5. Server overhead.
    row(
        "server",
        "p50 turn latency, NoOp",
        X("server", "noop_p50"),
        None,
        Target::None,
    ),
    row(
        "server",
        "p50 turn latency, Basic",
        X("server", "basic_p50"),
        Some(("NoOp", X("server", "noop_p50"))),
        Target::None,
    ),
    row(
        "server",
        "p50 turn latency, OpenTelemetry",
        X("server", "otel_p50"),
        Some(("NoOp", X("server", "noop_p50"))),
        Target::MaxRatio(1.10),
    ),
    row(
        "server",
        "p99 turn latency, NoOp",
        X("server", "noop_p99"),
        None,
        Target::None,
    ),
    row(
        "server",
        "p99 turn latency, Basic",
        X("server", "basic_p99"),
        Some(("NoOp", X("server", "noop_p99"))),
        Target::None,
    ),
    row(
        "server",
        "p99 turn latency, OpenTelemetry",
        X("server", "otel_p99"),
        Some(("NoOp", X("server", "noop_p99"))),
        Target::MaxRatio(1.25),
    ),
    row(
        "server",
        "throughput, NoOp",
        X("server", "noop_throughput"),
        None,
        Target::None,
    ),
    row(
        "server",
        "throughput, Basic",
        X("server", "basic_throughput"),
        Some(("NoOp", X("server", "noop_throughput"))),
        Target::None,
    ),
    row(
        "server",
        "throughput, OpenTelemetry",
        X("server", "otel_throughput"),
        Some(("NoOp", X("server", "noop_throughput"))),
        Target::None,
    ),
    // 6. Redaction (telemetry-genai's default redactor).
    row(
        "redact",
        "default redactor, 4 KB agent message, no secret",
        C("redact", "default_4k_no_secret"),
        Some((
            "`str::contains` scan of the same 4 KB",
            C("redact", "contains_4k"),
        )),
        Target::None,
    ),
    row(
        "redact",
        "default redactor, 4 KB agent message, 8 secrets",
        C("redact", "default_4k_8_secrets"),
        Some((
            "the same message without secrets",
            C("redact", "default_4k_no_secret"),
        )),
        Target::None,
    ),
    // 7. HTTP server instrumentation (telemetry-http).
    row(
        "http",
        "request through `HttpServerLayer` into this OpenTelemetry (axum router, in-process)",
        C("http", "router_server_layer_otel"),
        Some(("the same router, no layer", C("http", "router_no_layer"))),
        Target::None,
    ), // 8. Tail sampling (`agent_tail`), per 5-span trace.
    row(
        "tail",
        "5-span trace, `agent_tail` holding every span until the root ends, keeping all",
        C("tail", "trace_tail_keep_all_discard"),
        Some((
            "the same bundle exporting everything (discarding exporter)",
            C("tail", "trace_export_all_discard"),
        )),
        Target::MaxRatio(1.3),
    ),
    row(
        "tail",
        "5-span trace, `agent_tail` at 10% into an OTLP-encoding exporter",
        C("tail", "trace_tail_keep_tenth_encode"),
        Some((
            "the same bundle encoding every span (export CPU saved = the difference)",
            C("tail", "trace_export_all_encode"),
        )),
        Target::None,
    ),
    row(
        "tail",
        "held for 1,000 concurrent open traces (10 spans each, 9 ended), sampler's estimate",
        X("tail", "held_bytes_1000_open_traces"),
        None,
        Target::None,
    ),
    row(
        "tail",
        "resident memory growth while holding them",
        X("tail", "rss_growth_1000_open_traces"),
        None,
        Target::None,
    ),
    row(
        "http",
        "request through `HttpServerLayer` into this OpenTelemetry (axum router, in-process)",
        C("http", "router_server_layer_otel"),
        Some((
            "`tower-http` `TraceLayer` + `tracing-opentelemetry`, same SDK pipeline",
            C("http", "router_tower_http_trace_otel"),
        )),
        Target::MinSpeedup(2.0),
    ),
    row(
        "http",
        "request through `tower-http` `TraceLayer` + `tracing-opentelemetry` (the peer)",
        C("http", "router_tower_http_trace_otel"),
        Some(("the same router, no layer", C("http", "router_no_layer"))),
        Target::None,
    ),
    // 8. MCP instrumentation (telemetry-mcp).
    row(
        "mcp",
        "`tools/call` through `McpClient` and `TracedServer` into this OpenTelemetry (rmcp, in-process duplex, both ends)",
        C("mcp", "tools_call_traced_otel"),
        Some((
            "the same call between the bare rmcp client and server",
            C("mcp", "tools_call_plain"),
        )),
        Target::None,
    ),
];
