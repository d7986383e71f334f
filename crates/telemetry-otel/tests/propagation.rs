//! `extract`/`inject` under `OTEL_PROPAGATORS` (OpenTelemetry SDK environment variables):
//! W3C Trace Context Level 2 rules and W3C Baggage, each propagator only when selected.

mod common;

use std::collections::HashMap;

use common::builder;
use telemetry_core::{ContextualCorrelator, Lifecycle, ScopeOptions};

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03";

fn headers(lines: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    lines.to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagators_select_what_is_read_and_written() {
    let off = [
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ];
    let incoming = headers(&[
        ("traceparent", TP),
        ("tracestate", "a=1"),
        ("tracestate", "b=2"),
        ("baggage", "user=alice"),
        ("baggage", "tier=gold"),
    ]);
    // (OTEL_PROPAGATORS, expected outgoing tracestate, expected outgoing baggage)
    let rows = [
        (
            "tracecontext,baggage",
            Some("a=1,b=2"),
            Some("user=alice,tier=gold,session.id=s-1"),
        ),
        ("tracecontext", Some("a=1,b=2"), None),
    ];
    for (propagators, state, baggage) in rows {
        let vars: Vec<(&str, &str)> = off
            .iter()
            .copied()
            .chain([("OTEL_PROPAGATORS", propagators)])
            .collect();
        let otel = builder("propagation", &vars).build().unwrap();
        let remote = otel.extract(&incoming).expect("a valid traceparent");
        let root = otel.open_scope(ScopeOptions::new("edge").remote_parent(Some(remote)));
        root.context().set_baggage("session.id", "s-1").unwrap();
        let mut out: HashMap<String, String> = HashMap::new();
        otel.inject(root.context(), &mut out);
        // Level 2 §3.2.2.5: the random-trace-id flag (02) stays with the trace id.
        let tp = &out["traceparent"];
        assert!(
            tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && tp.ends_with("-03"),
            "{tp}"
        );
        assert_eq!(
            out.get("tracestate").map(String::as_str),
            state,
            "{propagators}"
        );
        assert_eq!(
            out.get("baggage").map(String::as_str),
            baggage,
            "{propagators}"
        );
        drop(root);
        otel.shutdown(std::time::Duration::from_secs(5))
            .await
            .unwrap();
    }
    // Two traceparent lines: no remote parent, a new trace (§3.2, RFC 9110 §5.3).
    let otel = builder("propagation", &off).build().unwrap();
    assert!(
        otel.extract(&headers(&[("traceparent", TP), ("traceparent", TP)]))
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otel_context_carries_the_scopes_baggage_as_sdk_baggage() {
    use opentelemetry::baggage::BaggageExt as _;
    let otel = builder("propagation", &[("OTEL_TRACES_EXPORTER", "none")])
        .build()
        .unwrap();
    let incoming = headers(&[("traceparent", TP), ("baggage", "user=alice;tier=gold")]);
    let root = otel.open_scope(ScopeOptions::new("edge").remote_parent(otel.extract(&incoming)));
    root.context().set_baggage("session.id", "s 1").unwrap();
    let cx = telemetry_otel::OpenTelemetry::otel_context(root.context());
    let b = cx.baggage();
    assert_eq!(
        b.get("user").map(|v| v.as_str().to_owned()),
        Some("alice".to_owned())
    );
    assert_eq!(
        b.get("session.id").map(|v| v.as_str().to_owned()),
        Some("s 1".to_owned())
    );
    assert_eq!(
        b.get_with_metadata("user")
            .map(|(_, m)| m.as_str().to_owned()),
        Some("tier=gold".to_owned())
    );
    // No baggage: nothing added.
    let plain = otel.open_scope(ScopeOptions::new("plain").root());
    assert_eq!(
        telemetry_otel::OpenTelemetry::otel_context(plain.context())
            .baggage()
            .len(),
        0
    );
    drop((root, plain));
    otel.shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}
