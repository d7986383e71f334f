//! `tracing` spans and events through [`TelemetryLayer`] into the OpenTelemetry
//! implementation, checked on what an in-process OTLP receiver got.

mod common;

use common::{SERVICE, subscriber};
use telemetry_core::CorrelatorExt as _;
use telemetry_testkit::assert_tree;
use telemetry_testkit::otel::{pipeline, received};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_info_event_inside_a_scope_arrives_as_an_event_on_its_span_with_level_and_fields() {
    let (otel, server) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    let (cid, line) = tracing::subscriber::with_default(subscriber(t.clone()), || {
        let request = t.correlator.enter_scope("request", &[]);
        let line = line!() + 1;
        tracing::info!(
            user.tier = "gold",
            retries = 2_u64,
            cached = true,
            "request received"
        );
        // Below the per-layer INFO filter: never reaches the bundle.
        tracing::debug!("filtered out");
        (request.correlation_id().unwrap(), line)
    });
    let got = received(otel, server, 1).await;
    let request = got.span_named("request");
    assert_eq!(request.trace_id, cid.to_string());
    assert_eq!(request.events.len(), 1, "{:#?}", request.events);
    let ev = &request.events[0];
    assert_eq!(ev.name, "request received");
    assert_eq!(ev.attributes["level"], "INFO");
    assert_eq!(ev.attributes["severity_number"], "9");
    assert_eq!(ev.attributes["user.tier"], "gold");
    assert_eq!(ev.attributes["retries"], "2");
    assert_eq!(ev.attributes["cached"], "true");
    assert_eq!(ev.attributes["target"], module_path!());
    assert!(
        ev.attributes["code.file.path"].ends_with("layer_otlp.rs"),
        "{ev:?}"
    );
    assert_eq!(ev.attributes["code.line.number"], line.to_string());
    // The log record too, with the span's ids and the level.
    let logs = got.logs_of(request);
    assert_eq!(logs.len(), 1, "{:#?}", got.logs);
    assert_eq!(
        (logs[0].severity_number, logs[0].body.as_str()),
        (9, "request received")
    );
    assert_eq!(logs[0].attr("user.tier"), Some("gold"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracing_span_inside_a_scope_is_its_child_and_a_scope_inside_it_is_the_spans_child() {
    let (otel, server) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    let cid = tracing::subscriber::with_default(subscriber(t.clone()), || {
        let request = t.correlator.enter_scope("request", &[]);
        let query = tracing::info_span!(
            "db.query",
            db.system = "sqlite",
            db.rows = tracing::field::Empty
        );
        // Below the per-layer filter: no scope, and its children skip it.
        let debug = tracing::debug_span!("filtered").entered();
        {
            let _entered = query.enter();
            assert_eq!(t.correlator.scope_path(), ["request", "db.query"]);
            assert_eq!(t.correlator.correlation_id(), request.correlation_id());
            t.correlator.in_scope("tool", &[], || {
                let _span = tracing::info_span!("tool.io").entered();
                assert_eq!(
                    t.correlator.scope_path(),
                    ["request", "db.query", "tool", "tool.io"]
                );
            });
            query.record("db.rows", 3);
        }
        drop(debug);
        // Exiting the span restored the scope current before it.
        assert_eq!(t.correlator.scope_path(), ["request"]);
        drop(query);
        request.correlation_id().unwrap()
    });
    let got = received(otel, server, 4).await;
    let tree = assert_tree(
        &got.spans,
        cid,
        &[
            ("request", ""),
            ("db.query", "request"),
            ("tool", "db.query"),
            ("tool.io", "tool"),
        ],
    );
    assert_eq!(tree["db.query"].attr("db.system"), Some("sqlite"));
    assert_eq!(tree["db.query"].attr("db.rows"), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otel_kind_status_code_name_and_error_fields_map_to_kind_and_status() {
    let (otel, server) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    let cid = tracing::subscriber::with_default(subscriber(t.clone()), || {
        let root = tracing::info_span!("root", otel.kind = "server", otel.name = "GET /v1/items");
        let _root = root.enter();
        drop(tracing::info_span!(
            "upstream",
            otel.kind = "Client",
            otel.status_code = "ERROR",
            otel.status_description = "bad gateway"
        ));
        drop(tracing::info_span!("refused", error = %"connection refused"));
        let failing = tracing::info_span!("recorded", error = tracing::field::Empty);
        failing.record("error", "late failure");
        drop(failing);
        {
            let _span = tracing::info_span!("by event").entered();
            tracing::error!(error = %"disk full", "write failed");
        }
        drop(tracing::info_span!(
            "fine",
            otel.status_code = "OK",
            error = false
        ));
        t.correlator.correlation_id().unwrap()
    });
    let got = received(otel, server, 6).await;
    let tree = assert_tree(
        &got.spans,
        cid,
        &[
            ("GET /v1/items", ""),
            ("upstream", "GET /v1/items"),
            ("refused", "GET /v1/items"),
            ("recorded", "GET /v1/items"),
            ("by event", "GET /v1/items"),
            ("fine", "GET /v1/items"),
        ],
    );
    assert_eq!(tree["GET /v1/items"].kind, "SPAN_KIND_SERVER");
    let upstream = &tree["upstream"];
    assert_eq!(upstream.kind, "SPAN_KIND_CLIENT");
    assert_eq!(
        (
            upstream.status_code.as_str(),
            upstream.status_message.as_str()
        ),
        ("STATUS_CODE_ERROR", "bad gateway")
    );
    assert_eq!(upstream.attr("error.type"), Some("_OTHER"));
    for (name, message) in [
        ("refused", "connection refused"),
        ("recorded", "late failure"),
        ("by event", "disk full"),
    ] {
        let s = &tree[name];
        assert_eq!(
            (s.status_code.as_str(), s.status_message.as_str()),
            ("STATUS_CODE_ERROR", message),
            "{s:#?}"
        );
    }
    let write = &tree["by event"]
        .events
        .iter()
        .find(|e| e.name == "write failed")
        .unwrap();
    assert_eq!(write.attributes["level"], "ERROR");
    assert_eq!(write.attributes["error"], "disk full");
    let fine = &tree["fine"];
    assert_eq!(fine.status_code, "STATUS_CODE_UNSET");
    assert_eq!(fine.kind, "SPAN_KIND_INTERNAL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_warn_inside_a_scope_arrives_with_level_warn_and_its_target() {
    // The `log` logger is process-wide; this is the only test of this binary that logs.
    telemetry_tracing::init_log_bridge(log::LevelFilter::Info).expect("no other log logger");
    let (otel, server) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    tracing::subscriber::with_default(subscriber(t.clone()), || {
        let _request = t.correlator.enter_scope("request", &[]);
        log::warn!(target: "pool", "connection slow: {} ms", 250);
        log::debug!(target: "pool", "below the bridge's level");
    });
    let got = received(otel, server, 1).await;
    let request = got.span_named("request");
    assert_eq!(request.events.len(), 1, "{:#?}", request.events);
    let ev = &request.events[0];
    assert_eq!(ev.name, "connection slow: 250 ms");
    assert_eq!(ev.attributes["level"], "WARN");
    assert_eq!(ev.attributes["target"], "pool");
    assert!(
        ev.attributes["code.file.path"].ends_with("layer_otlp.rs"),
        "{ev:?}"
    );
    assert!(
        !ev.attributes.keys().any(|k| k.starts_with("log.")),
        "{ev:?}"
    );
    let logs = got.logs_of(request);
    assert_eq!(
        (logs[0].severity_number, logs[0].severity_text.as_str()),
        (13, "WARN")
    );
}
