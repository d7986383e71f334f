//! The resource as an OTLP receiver gets it: detected attributes on every span, log record and
//! metric, `OTEL_RESOURCE_ATTRIBUTES` over detection, code over both, and detection switched
//! off. The receiver (mock-collector, HTTP/protobuf) runs in-process on 127.0.0.1:0.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::builder;
use mock_collector::{MockCollector, ServerHandle};
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use telemetry_core::{Attribute, CorrelatorExt, Lifecycle, Logger, Meter};
use telemetry_otel::{OpenTelemetry, OpenTelemetryBuilder, Signal};
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

/// What each signal's items arrived with: the resource of every span, log record and metric.
#[derive(Debug)]
struct Resources {
    spans: Vec<Vec<KeyValue>>,
    logs: Vec<Vec<KeyValue>>,
    metrics: Vec<Vec<KeyValue>>,
}

fn resources(c: &MockCollector) -> Resources {
    Resources {
        spans: c
            .spans()
            .iter()
            .map(|s| s.resource_attrs().to_vec())
            .collect(),
        logs: c
            .logs()
            .iter()
            .map(|l| l.resource_attrs().to_vec())
            .collect(),
        metrics: c
            .metrics()
            .iter()
            .map(|m| m.resource_attrs().to_vec())
            .collect(),
    }
}

fn strings(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    mock::attributes(kvs)
}

/// Two traces (one with a child), a log call and a counter, then shutdown; what arrived.
async fn export(otel: OpenTelemetry, server: &ServerHandle) -> Resources {
    for name in ["first request", "second request"] {
        let root = otel.enter_scope(name, &[]);
        let _child = otel.enter_scope("child", &[]);
        drop(root);
    }
    {
        let _request = otel.enter_scope("logged", &[]);
        otel.info("inside", &[]);
    }
    otel.record_counter("requests", 1, &[]);
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(5, WAIT).await.unwrap();
    server.wait_for_logs(1, WAIT).await.unwrap();
    server.wait_for_metrics(1, WAIT).await.unwrap();
    server.with_collector(resources).await
}

fn to(server: &ServerHandle, b: OpenTelemetryBuilder) -> OpenTelemetry {
    b.with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detected_attributes_arrive_on_every_signal() {
    let server = mock::receiver().await;
    let otel = to(&server, builder("resource-e2e", &[]));
    let expected: BTreeMap<String, String> = otel
        .resource_attributes()
        .iter()
        .map(|a| (a.key.to_string(), a.value.to_string()))
        .collect();
    let got = export(otel, &server).await;
    assert_eq!(got.spans.len(), 5);

    let first = strings(&got.spans[0]);
    // Exactly what `resource_attributes()` said, on every span, log record and metric.
    assert_eq!(first, expected);
    for r in got.spans.iter().chain(&got.logs).chain(&got.metrics) {
        assert_eq!(strings(r), first);
    }

    let id = uuid::Uuid::parse_str(&first["service.instance.id"]).expect("a UUID");
    assert_eq!(id.get_version_num(), 4, "{id}");
    assert!(!first["host.name"].is_empty());
    // An integer on the wire, not a string.
    let pid = got.spans[0]
        .iter()
        .find(|kv| kv.key == "process.pid")
        .and_then(|kv| kv.value.as_ref()?.value.clone());
    assert_eq!(
        pid,
        Some(any_value::Value::IntValue(std::process::id().into()))
    );
    assert!(!first.contains_key("process.command_args"), "{first:?}");
    assert!(!first.contains_key("host.id"), "{first:?}");
    let exe = std::env::current_exe().unwrap();
    assert_eq!(
        first["process.executable.name"],
        exe.file_name().unwrap().to_string_lossy()
    );
    assert_eq!(first["service.name"], "resource-e2e");
    assert_eq!(first["telemetry.sdk.language"], "rust");
    assert_eq!(first["process.runtime.name"], "rustc");
    #[cfg(target_arch = "x86_64")]
    assert_eq!(first["host.arch"], "amd64");
    #[cfg(target_arch = "aarch64")]
    assert_eq!(first["host.arch"], "arm64");
    #[cfg(target_os = "linux")]
    {
        assert_eq!(first["os.type"], "linux");
        assert!(first["os.description"].contains("Linux "), "{first:?}");
    }

    // One instance id for the whole process: another pipeline and the free function agree.
    let other = builder("another-service", &[])
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Metrics, &[])
        .with_exporters(Signal::Logs, &[])
        .build()
        .unwrap();
    let instance = |attrs: &[Attribute]| {
        attrs
            .iter()
            .find(|a| a.key == "service.instance.id")
            .map(|a| a.value.to_string())
    };
    assert_eq!(
        instance(other.resource_attributes()).as_deref(),
        Some(id.to_string().as_str())
    );
    assert_eq!(
        instance(&telemetry_otel::detect_resource()),
        Some(id.to_string())
    );
    other.shutdown(WAIT).await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_attributes_variable_overrides_detection_and_code_overrides_both() {
    let server = mock::receiver().await;
    let vars = [
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "host.name=from-env,os.type=from-env,service.instance.id=instance-7,\
             deployment.environment.name=staging,service.name=ignored",
        ),
        ("OTEL_SERVICE_NAME", "from-service-name-variable"),
    ];
    let otel = to(
        &server,
        builder("resource-override", &vars)
            .with_resource_attribute(&Attribute::new("os.type", "from-code"))
            .with_resource_attribute(&Attribute::new("deployment.environment.name", "prod")),
    );
    let got = export(otel, &server).await;
    let r = strings(&got.spans[0]);
    // The variable over detection.
    assert_eq!(r["host.name"], "from-env");
    assert_eq!(r["service.instance.id"], "instance-7");
    // Code over the variable and detection.
    assert_eq!(r["os.type"], "from-code");
    assert_eq!(r["deployment.environment.name"], "prod");
    // OTEL_SERVICE_NAME over `service.name` in OTEL_RESOURCE_ATTRIBUTES.
    assert_eq!(r["service.name"], "from-service-name-variable");
    // What neither names stays detected.
    assert_eq!(r["process.pid"], std::process::id().to_string(), "{r:?}");
    for other in got.spans.iter().chain(&got.logs).chain(&got.metrics) {
        assert_eq!(strings(other), r);
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detection_switched_off_leaves_the_configured_resource() {
    let server = mock::receiver().await;
    let otel = to(
        &server,
        builder(
            "resource-off",
            &[("OTEL_RESOURCE_ATTRIBUTES", "host.name=given")],
        )
        .with_resource_detection(false),
    );
    let got = export(otel, &server).await;
    let keys: Vec<String> = strings(&got.spans[0]).into_keys().collect();
    assert_eq!(
        keys,
        [
            "host.name",
            "service.name",
            "telemetry.sdk.language",
            "telemetry.sdk.name",
            "telemetry.sdk.version"
        ]
    );
    server.shutdown().await.unwrap();
}
