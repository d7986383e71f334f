//! Property tests of every `OTEL_*` parser: whatever text a variable holds, building either
//! succeeds or fails with a [`ConfigError`](telemetry_otel::ConfigError) naming that variable
//! and that value; it never panics. (`tests/config_errors.rs` pins the message of one invalid
//! value per variable.)

mod common;

use common::builder;
use proptest::prelude::*;

/// Every variable this crate reads (OpenTelemetry specification, *SDK Environment Variables*
/// and *OTLP Exporter Configuration*).
const VARIABLES: &[&str] = &[
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_LOGS_EXPORTER",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
    "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_PROPAGATORS",
    "AGENT_TELEMETRY_SELF_OBSERVABILITY",
];

/// Values near the accepted ones as well as noise, so that both outcomes are exercised.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,24}",
        prop::sample::select(vec![
            "true",
            "FALSE",
            " 1 ",
            "0",
            "-1",
            "5000",
            "4294967296",
            "1.5",
            "0.25",
            "1e3",
            "none",
            "otlp",
            "console",
            "otlp,console",
            "none,otlp",
            "grpc",
            "http/protobuf",
            "HTTP/JSON",
            "http://127.0.0.1:9",
            "https://collector:4318/v1/traces",
            "localhost:4318",
            "ftp://x",
            "gzip",
            "zstd",
            "k=v,k2=v%202",
            "k=%zz",
            "=v",
            "k",
            "delta",
            "LowMemory",
            "always_on",
            "parentbased_traceidratio",
            "tracecontext,baggage",
            "b3",
            "/nonexistent/ca.pem",
            "",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_value_of_any_variable_is_accepted_or_named(
        var in prop::sample::select(VARIABLES),
        value in value(),
    ) {
        // No exporter runs unless the variable under test asks for one.
        let mut vars = vec![
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ];
        vars.retain(|(k, _)| *k != var);
        vars.push((var, value.as_str()));
        match builder("props", &vars).build() {
            Ok(otel) => drop(otel),
            Err(e) => {
                let text = e.to_string();
                // A batch size is checked against its queue size, so a queue size can be
                // refused through the batch size variable; both are named then.
                prop_assert!(
                    e.variable() == var || text.contains(var),
                    "{var}={value:?} refused naming {}: {text}", e.variable()
                );
                if e.variable() == var {
                    prop_assert_eq!(e.value(), value.trim(), "{}", text);
                }
                prop_assert!(text.contains(e.variable()), "{}", text);
            }
        }
    }
}
