//! How scope endings, event limits, disabled mode and scope-less log calls map, checked on what
//! an OTLP receiver got.

mod common;

use std::time::Duration;

use common::builder;
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, InstrumentDescriptor, Lifecycle, Logger, Meter,
};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_cancel_and_event_limit() {
    let server = mock::receiver().await;
    let otel = builder("mapping", &[("OTEL_SPAN_EVENT_COUNT_LIMIT", "3")])
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();

    // Panic unwinding through an entered scope.
    let o = otel.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _s = o.enter_scope("panics", &[]);
        panic!("boom");
    }));
    assert!(r.is_err());

    // A future dropped before completion.
    let pending = otel.scoped("cancelled", &[], std::future::pending::<()>());
    let _ = tokio::time::timeout(Duration::from_millis(1), pending).await;

    // Five log calls into a span that keeps three events.
    {
        let _s = otel.enter_scope("chatty", &[]);
        for i in 0..5 {
            otel.info(&format!("line {i}"), &[]);
        }
    }
    assert_eq!(otel.export_failures().span_events_over_limit, 2);

    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(3, WAIT).await.unwrap();
    server.wait_for_logs(5, WAIT).await.unwrap();
    let r = server.with_collector(mock::received).await;
    let span = |n: &str| r.spans.iter().find(|s| s.name == n).unwrap().clone();

    let p = span("panics");
    assert_eq!(p.status_code, "STATUS_CODE_ERROR");
    assert_eq!(p.attributes["error.type"], "panic");
    assert_eq!(p.events[0].name, "exception");
    assert_eq!(p.events[0].attributes["exception.type"], "panic");

    let c = span("cancelled");
    assert_eq!(c.attributes["agent_telemetry.cancelled"], "true");
    assert_ne!(c.status_code, "STATUS_CODE_ERROR");

    let chatty = span("chatty");
    let names: Vec<&str> = chatty.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["line 0", "line 1", "line 2"]);
    server
        .with_collector(|c| {
            let s = c
                .spans()
                .iter()
                .find(|s| s.span().name == "chatty")
                .unwrap();
            assert_eq!(s.span().dropped_events_count, 2);
        })
        .await;
    // The log records still carry all five.
    let bodies: Vec<&str> = r.logs.iter().map(|l| l.body.as_str()).collect();
    for i in 0..5 {
        assert!(bodies.contains(&format!("line {i}").as_str()), "{bodies:?}");
    }
    server.shutdown().await.unwrap();
}

#[test]
fn sdk_disabled_behaves_as_noop() {
    let otel = builder("off", &[("OTEL_SDK_DISABLED", "TRUE")])
        .build()
        .unwrap();
    assert!(otel.is_disabled());
    let s = otel.enter_scope("x", &[]);
    assert_eq!(s.correlation_id(), None);
    assert_eq!(otel.correlation_id(), None);
    assert!(!otel.enabled(telemetry_core::LogLevel::Critical));
    assert!(
        otel.counter(&InstrumentDescriptor::new("c").unwrap())
            .is_noop()
    );
    let unnamed = telemetry_core::diagnostics::unnamed_scopes;
    let before = unnamed();
    drop(otel.enter_scope(" ", &[]));
    assert!(unnamed() > before, "names are still checked, and counted");
    // The bundle skips the disabled SDK altogether: NoOp handles, no virtual calls.
    let t = otel.telemetry();
    assert!(t.logger.is_noop() && t.correlator.is_noop() && t.meter.is_noop());
    let before = unnamed();
    drop(t.correlator.enter_scope(" ", &[]));
    assert!(unnamed() > before);
    drop(s);
    futures::executor::block_on(otel.shutdown(WAIT)).unwrap();
}

#[test]
fn log_calls_without_any_destination_are_counted() {
    let none = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    let otel = builder("nowhere", &none).build().unwrap();
    otel.info("outside any scope", &[]);
    {
        let _s = otel.enter_scope("inside", &[]);
        otel.info("becomes an event", &[]);
    }
    assert_eq!(otel.export_failures().log_calls_without_destination, 1);
    futures::executor::block_on(otel.shutdown(Duration::from_secs(1))).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_off_still_gives_scopes_ids_and_instruments_are_cached_per_value() {
    let server = mock::receiver().await;
    let endpoint = format!("http://{}", server.addr());
    let vars = [
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
    ];
    let otel = builder("cache-a", &vars).build().unwrap();
    let s = otel.enter_scope("ids", &[]);
    assert!(s.correlation_id().is_some());
    drop(s);
    // Same name and kind: one instrument; handles and by-name calls share it.
    let d = InstrumentDescriptor::new("shared")
        .unwrap()
        .with_unit("{call}");
    let a = otel.counter(&d);
    let b = otel.counter(&d.clone().with_unit("ignored"));
    a.add(1, &[]);
    b.add(1, &[]);
    otel.record_counter("shared", 1, &[]);
    // A second OpenTelemetry value has its own cache (no globals).
    let other = builder("cache-b", &vars).build().unwrap();
    other.record_counter("shared", 1, &[]);
    otel.shutdown(WAIT).await.unwrap();
    other.shutdown(WAIT).await.unwrap();
    server.wait_for_metrics(2, WAIT).await.unwrap();
    server
        .with_collector(|c| {
            c.expect_metric_with_name("shared")
                .with_resource_attributes([("service.name", "cache-a")])
                .with_value_eq(3)
                .assert_count(1);
            c.expect_metric_with_name("shared")
                .with_resource_attributes([("service.name", "cache-b")])
                .with_value_eq(1)
                .assert_count(1);
            let units: Vec<&str> = c
                .metrics()
                .iter()
                .map(|m| m.metric().unit.as_str())
                .collect();
            assert!(
                units.iter().all(|u| *u == "{call}" || u.is_empty()),
                "{units:?}"
            );
        })
        .await;
    server.shutdown().await.unwrap();
}

#[test]
fn otel_context_parents_raw_sdk_spans() {
    let vars = [
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ];
    let otel = builder("interop", &vars).build().unwrap();
    let s = otel.enter_scope("ids", &[]);
    let cx = OpenTelemetry::otel_context(s.context());
    use opentelemetry::trace::TraceContextExt as _;
    let sc = cx.span().span_context().clone();
    assert_eq!(
        format!("{:032x}", u128::from_be_bytes(sc.trace_id().to_bytes())),
        s.correlation_id().unwrap().to_string()
    );
    assert_eq!(
        sc.span_id().to_string(),
        s.context().span_id().unwrap().to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_event_sets_event_name_and_body() {
    let server = mock::receiver().await;
    let otel = builder("events", &[])
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();
    {
        let _s = otel.enter_scope("chat gpt-4o", &[]);
        otel.log_event(
            telemetry_core::LogLevel::Info,
            "gen_ai.user.message",
            Some("what is 2+2?"),
            &telemetry_core::attrs!["gen_ai.provider.name" => "openai"],
        );
        otel.log_event(
            telemetry_core::LogLevel::Info,
            "gen_ai.agent.finish",
            None,
            &[],
        );
    }
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_logs(2, WAIT).await.unwrap();
    server.wait_for_spans(1, WAIT).await.unwrap();
    server
        .with_collector(|c| {
            let records: Vec<_> = c.logs().iter().map(|t| t.log_record().clone()).collect();
            let user = records
                .iter()
                .find(|l| l.event_name == "gen_ai.user.message")
                .expect("a log record with EventName gen_ai.user.message");
            assert_eq!(
                mock::value(user.body.as_ref().unwrap()),
                "what is 2+2?",
                "the content is the record body"
            );
            assert!(!user.attributes.iter().any(|a| a.key == "event.body"));
            let finish = records
                .iter()
                .find(|l| l.event_name == "gen_ai.agent.finish")
                .unwrap();
            assert_eq!(mock::value(finish.body.as_ref().unwrap()), "");

            let span = c
                .spans()
                .iter()
                .find(|s| s.span().name == "chat gpt-4o")
                .unwrap();
            let names: Vec<&str> = span.span().events.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(names, ["gen_ai.user.message", "gen_ai.agent.finish"]);
            let body = mock::attributes(&span.span().events[0].attributes);
            assert_eq!(
                body["event.body"], "what is 2+2?",
                "span events carry the body as an attribute"
            );
        })
        .await;
    server.shutdown().await.unwrap();
}

/// A processor of the caller's own sees every span as given (here, synchronously, with the
/// span events the log calls became) and is not part of `ExportFailures`.
#[test]
fn a_custom_span_processor_receives_spans_uncounted() {
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
    use std::sync::{Arc, Mutex};

    /// Span name and its event names.
    type Ended = (String, Vec<String>);
    #[derive(Debug, Default, Clone)]
    struct Collect(Arc<Mutex<Vec<Ended>>>);
    impl SpanExporter for Collect {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let mut got = self.0.lock().unwrap();
            for s in batch {
                let events = s.events.iter().map(|e| e.name.to_string()).collect();
                got.push((s.name.to_string(), events));
            }
            Ok(())
        }
    }

    let collect = Collect::default();
    let none = [
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ];
    let otel = builder("custom", &none)
        .with_span_processor(SimpleSpanProcessor::new(collect.clone()))
        .build()
        .unwrap();
    {
        let _request = otel.enter_scope("request", &[]);
        let message = String::from("cache miss");
        otel.info(&message, &[]);
        otel.info("cache miss", &[]);
    }
    assert_eq!(
        *collect.0.lock().unwrap(),
        [(
            "request".to_owned(),
            vec!["cache miss".to_owned(), "cache miss".to_owned()]
        )]
    );
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
}
