//! Every invalid `OTEL_*` value is an error at construction naming the variable, the value and
//! what is accepted.

mod common;

use common::builder;

#[test]
fn each_invalid_env_value_is_a_named_error() {
    // (variable, invalid value, a word of the accepted values)
    let table: &[(&str, &str, &str)] = &[
        ("OTEL_SDK_DISABLED", "yes", "true or false"),
        ("OTEL_RESOURCE_ATTRIBUTES", "novalue", "key=value"),
        ("OTEL_RESOURCE_ATTRIBUTES", "k=%zz", "percent-encoded"),
        ("OTEL_TRACES_EXPORTER", "zipkin", "otlp, console"),
        ("OTEL_METRICS_EXPORTER", "prometheus", "otlp, console"),
        ("OTEL_LOGS_EXPORTER", "otlp,none", "none alone"),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http",
            "grpc, http/protobuf, http/json",
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "thrift",
            "grpc, http/protobuf, http/json",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "localhost:4318",
            "https:// URL",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "ftp://collector:4318",
            "http:// or https:// URL",
        ),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://host:notaport",
            "https:// URL",
        ),
        ("OTEL_EXPORTER_OTLP_HEADERS", "authorization", "key=value"),
        (
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
            "bad header=1",
            "HTTP header names",
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "milliseconds"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "-1", "milliseconds"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "gzip, none"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "1", "true or false"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "sometimes",
            "cumulative, delta, lowmemory",
        ),
        ("OTEL_BSP_SCHEDULE_DELAY", "fast", "milliseconds"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0", "positive integer"),
        (
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            "4096",
            "no larger than OTEL_BSP_MAX_QUEUE_SIZE",
        ),
        ("OTEL_BSP_EXPORT_TIMEOUT", "1.5", "milliseconds"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "soon", "milliseconds"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "-5", "positive integer"),
        (
            "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
            "lots",
            "positive integer",
        ),
        ("OTEL_BLRP_EXPORT_TIMEOUT", "x", "milliseconds"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "0", "positive"),
        ("OTEL_METRIC_EXPORT_TIMEOUT", "1m", "milliseconds"),
        ("OTEL_TRACES_SAMPLER", "sometimes", "parentbased_always_on"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "-1", "non-negative integer"),
        (
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
            "many",
            "non-negative integer",
        ),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "1e3", "non-negative integer"),
        (
            "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
            "x",
            "non-negative integer",
        ),
        (
            "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
            "x",
            "non-negative integer",
        ),
        ("OTEL_PROPAGATORS", "b3", "tracecontext, baggage"),
        ("OTEL_PROPAGATORS", "none,baggage", "none alone"),
    ];
    for (var, value, accepted) in table {
        let err = builder("cfg", &[(var, value)])
            .build()
            .err()
            .unwrap_or_else(|| panic!("{var}={value} was accepted"));
        assert_eq!(err.variable(), *var, "{err}");
        assert_eq!(err.value(), *value, "{err}");
        let text = err.to_string();
        assert!(
            text.contains(var) && text.contains(value) && text.contains(accepted),
            "{var}={value}: {text}"
        );
    }
}

#[test]
fn sampler_arg_is_validated_whatever_the_sampler() {
    // (sampler, or none for the default)
    for sampler in [
        Some("traceidratio"),
        Some("parentbased_traceidratio"),
        Some("always_on"),
        Some("parentbased_always_off"),
        None,
    ] {
        for bad in ["1.5", "2.5", "-0.1", "half"] {
            let mut vars = vec![("OTEL_TRACES_SAMPLER_ARG", bad)];
            vars.extend(sampler.map(|s| ("OTEL_TRACES_SAMPLER", s)));
            let err = builder("cfg", &vars)
                .build()
                .err()
                .unwrap_or_else(|| panic!("{sampler:?} with ARG={bad} was accepted"));
            assert_eq!(
                (err.variable(), err.value()),
                ("OTEL_TRACES_SAMPLER_ARG", bad)
            );
            assert!(err.to_string().contains("between 0 and 1"));
        }
    }
    // A valid argument is accepted even where the sampler ignores it.
    let ok = [
        ("OTEL_TRACES_SAMPLER", "always_on"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    assert!(builder("cfg", &ok).build().is_ok());
}

#[test]
fn empty_values_count_as_unset() {
    let vars = [
        ("OTEL_TRACES_SAMPLER", ""),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "  "),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    assert!(builder("cfg", &vars).build().is_ok());
}
