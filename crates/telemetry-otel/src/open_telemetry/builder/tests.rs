//! Precedence and defaults of the resolved configuration.

use super::*;

fn resolve(vars: &[(&str, &str)]) -> Result<Resolved, ConfigError> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    OpenTelemetryBuilder::new("default-svc")
        .with_env_source(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .resolve()
}

fn attr(r: &Resolved, key: &str) -> Option<String> {
    r.resource
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.to_string())
}

#[test]
fn defaults_follow_the_spec() {
    let r = resolve(&[]).unwrap();
    assert!(!r.disabled);
    assert_eq!(attr(&r, "service.name").as_deref(), Some("default-svc"));
    assert_eq!(
        r.exporters,
        [
            vec![ExporterKind::Otlp],
            vec![ExporterKind::Otlp],
            vec![ExporterKind::Otlp]
        ]
    );
    assert_eq!(r.otlp[0].protocol, Protocol::HttpProtobuf);
    assert_eq!(r.otlp[0].endpoint, "http://localhost:4318/v1/traces");
    assert_eq!(r.otlp[2].endpoint, "http://localhost:4318/v1/logs");
    assert_eq!(r.otlp[0].timeout, Duration::from_secs(10));
    assert_eq!(r.bsp.schedule_delay, Duration::from_secs(5));
    assert_eq!(r.blrp.schedule_delay, Duration::from_secs(1));
    assert_eq!(r.metric_interval, Duration::from_secs(60));
    assert_eq!(r.sampler, SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(r.span_limits.events, 128);
    assert_eq!(r.propagators, Propagators::default());
}

#[test]
fn precedence_is_code_then_signal_then_generic() {
    let r = resolve(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318/"),
        (
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            "http://logs:9999/custom",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=x%20y"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"),
        ("OTEL_SERVICE_NAME", "from-env"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=ignored,deployment.environment.name=prod%2Feu",
        ),
        ("OTEL_TRACES_EXPORTER", "otlp, console"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ("OTEL_PROPAGATORS", "tracecontext"),
    ])
    .unwrap();
    assert_eq!(r.otlp[0].endpoint, "http://generic:4318/v1/traces");
    assert_eq!(r.otlp[0].protocol, Protocol::HttpJson);
    assert_eq!(r.otlp[1].protocol, Protocol::Grpc);
    assert_eq!(r.otlp[1].endpoint, "http://generic:4318/");
    assert_eq!(r.otlp[2].endpoint, "http://logs:9999/custom");
    assert_eq!(r.otlp[0].headers, vec![("c".to_owned(), "3".to_owned())]);
    assert_eq!(r.otlp[1].headers[1], ("b".to_owned(), "x y".to_owned()));
    assert_eq!(r.otlp[1].timeout, Duration::from_millis(2500));
    assert!(r.otlp[2].gzip);
    assert_eq!(attr(&r, "service.name").as_deref(), Some("from-env"));
    assert_eq!(
        attr(&r, "deployment.environment.name").as_deref(),
        Some("prod/eu")
    );
    assert_eq!(
        r.exporters[0],
        vec![ExporterKind::Otlp, ExporterKind::Console]
    );
    assert!(r.exporters[2].is_empty());
    assert_eq!(r.sampler, SamplerConfig::ParentBasedTraceIdRatio(0.25));
    assert_eq!(
        r.propagators,
        Propagators {
            tracecontext: true,
            baggage: false
        }
    );

    let code = OpenTelemetryBuilder::new("d")
        .with_env_source(|k| {
            (k == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").then(|| "http/json".into())
        })
        .with_protocol(Protocol::Grpc)
        .with_endpoint("http://code:4317")
        .resolve()
        .unwrap();
    assert_eq!(code.otlp[0].protocol, Protocol::Grpc);
    assert_eq!(code.otlp[0].endpoint, "http://code:4317");
}

#[test]
fn service_name_falls_back_to_resource_attribute_then_default() {
    let r = resolve(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")]).unwrap();
    assert_eq!(attr(&r, "service.name").as_deref(), Some("from-resource"));
}
