//! Trace context and baggage through real HTTP: a client calls an edge service, which calls a
//! downstream service; both are axum servers on ephemeral ports using the engine's header
//! carriers (`agent_engine::propagation`) and the OpenTelemetry implementation, exporting to
//! an in-process OTLP receiver.
//!
//! Checked: W3C Trace Context Level 2 (`tracestate` and `baggage` split over several field
//! lines are combined and re-sent as one validated line; the trace id and the random-trace-id
//! flag are kept, the parent id is the edge's span) and W3C Baggage (an entry set at the edge
//! reaches the downstream service, whose spans carry it as an attribute).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::get;
use serde_json::{Value, json};
use telemetry_core::{
    BaggageAttributes, ContextualCorrelator, CorrelatorExt, Lifecycle, ScopeOptions, SpanKind,
};
use telemetry_http::{HeaderExtractor, HeaderInjector};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::{env_source, mock};

const WAIT: Duration = Duration::from_secs(10);
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn otel(service: &str, receiver: SocketAddr) -> OpenTelemetry {
    OpenTelemetry::builder(service)
        .with_env_source(env_source(&[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]))
        .with_endpoint(format!("http://{receiver}"))
        .build()
        .unwrap()
}

async fn serve(app: Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, task)
}

/// Every field line of the trace headers, as received.
fn lines(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Downstream: continues the caller's trace with a SERVER root and one child, under a
/// correlator that copies `session.id` from baggage onto every scope; echoes what it got.
async fn downstream(
    State(c): State<BaggageAttributes<OpenTelemetry>>,
    headers: HeaderMap,
) -> axum::Json<Value> {
    let remote = c.extract(&HeaderExtractor(&headers));
    let root = c.open_scope(
        ScopeOptions::new("GET /work")
            .kind(SpanKind::Server)
            .remote_parent(remote),
    );
    {
        let _in = root.enter();
        let _child = c.enter_scope("work", &[]);
    }
    axum::Json(json!({
        "traceparent": lines(&headers, "traceparent"),
        "tracestate": lines(&headers, "tracestate"),
        "baggage": lines(&headers, "baggage"),
    }))
}

#[derive(Clone)]
struct Edge {
    otel: OpenTelemetry,
    downstream: SocketAddr,
}

/// Edge: continues the client's trace, sets `session.id` baggage from `x-session-id`, calls
/// downstream with the injected headers and returns its echo and its own span id.
async fn edge(State(e): State<Edge>, headers: HeaderMap) -> axum::Json<Value> {
    let remote = e.otel.extract(&HeaderExtractor(&headers));
    let root = e.otel.open_scope(
        ScopeOptions::new("GET /edge")
            .kind(SpanKind::Server)
            .remote_parent(remote),
    );
    if let Some(session) = headers.get("x-session-id").and_then(|v| v.to_str().ok()) {
        root.context().set_baggage("session.id", session).unwrap();
    }
    let mut outgoing = HeaderMap::new();
    e.otel
        .inject(root.context(), &mut HeaderInjector(&mut outgoing));
    let echo: Value = get_json(format!("http://{}/work", e.downstream), outgoing).await;
    let span_id = root.context().span_id().unwrap().to_string();
    axum::Json(json!({ "downstream_saw": echo, "edge_span": span_id }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_headers_continue_and_baggage_reaches_downstream_spans() {
    let receiver = mock::receiver().await;
    let down_otel = otel("downstream", receiver.addr());
    let edge_otel = otel("edge", receiver.addr());
    let down = BaggageAttributes::new(down_otel.clone(), ["session.id"]);
    let (down_addr, down_task) = serve(
        Router::new()
            .route("/work", get(downstream))
            .with_state(down),
    )
    .await;
    let edge_state = Edge {
        otel: edge_otel.clone(),
        downstream: down_addr,
    };
    let (edge_addr, edge_task) = serve(
        Router::new()
            .route("/edge", get(edge))
            .with_state(edge_state),
    )
    .await;

    // The client splits tracestate and baggage over several field lines; one tracestate line
    // is empty (allowed), and the flags carry random-trace-id (03).
    let mut h = HeaderMap::new();
    let tp = format!("00-{TRACE}-00f067aa0ba902b7-03");
    h.append("traceparent", HeaderValue::from_str(&tp).unwrap());
    for line in [
        "congo=t61rcWkgMzE",
        "",
        "rojo=00f067aa0ba902b7, fw529a3039@dt=1",
    ] {
        h.append("tracestate", HeaderValue::from_static(line));
    }
    h.append("baggage", HeaderValue::from_static("user=alice"));
    h.append(
        "baggage",
        HeaderValue::from_static("tier=gold;source=client"),
    );
    h.append("x-session-id", HeaderValue::from_static("s-42"));
    let reply: Value = get_json(format!("http://{edge_addr}/edge"), h).await;
    let saw = &reply["downstream_saw"];
    let edge_span = reply["edge_span"].as_str().unwrap();
    assert_eq!(
        saw["traceparent"],
        json!([format!("00-{TRACE}-{edge_span}-03")])
    );
    assert_eq!(
        saw["tracestate"],
        json!(["congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,fw529a3039@dt=1"])
    );
    assert_eq!(
        saw["baggage"],
        json!(["user=alice,tier=gold;source=client,session.id=s-42"])
    );

    // Without a traceparent, or with two, the edge starts a new trace (Level 2 §3.2).
    let mut h = HeaderMap::new();
    h.append("traceparent", HeaderValue::from_str(&tp).unwrap());
    h.append("traceparent", HeaderValue::from_str(&tp).unwrap());
    h.append("tracestate", HeaderValue::from_static("congo=t61rcWkgMzE"));
    let reply: Value = get_json(format!("http://{edge_addr}/edge"), h).await;
    let restarted = reply["downstream_saw"]["traceparent"][0].as_str().unwrap();
    assert!(!restarted.contains(TRACE), "{restarted}");
    assert_eq!(reply["downstream_saw"]["tracestate"], json!([]));

    edge_task.abort();
    down_task.abort();
    edge_otel.shutdown(WAIT).await.unwrap();
    down_otel.shutdown(WAIT).await.unwrap();
    receiver.wait_for_spans(6, WAIT).await.unwrap();
    let r = receiver.with_collector(mock::received).await;
    let in_trace = r.spans_in(TRACE);
    let down_root = in_trace.iter().find(|s| s.name == "GET /work").unwrap();
    let work = in_trace.iter().find(|s| s.name == "work").unwrap();
    let edge_root = in_trace.iter().find(|s| s.name == "GET /edge").unwrap();
    assert_eq!(down_root.parent(), Some(edge_span));
    assert_eq!(edge_root.span_id, edge_span);
    assert_eq!(work.parent(), Some(down_root.span_id.as_str()));
    // The chosen baggage key is on every downstream span, and only there.
    assert_eq!(down_root.attr("session.id"), Some("s-42"));
    assert_eq!(work.attr("session.id"), Some("s-42"));
    assert_eq!(edge_root.attr("session.id"), None);
    assert_eq!(down_root.attr("user"), None, "only chosen keys are copied");
    receiver.shutdown().await.unwrap();
}

/// GETs `url` with `headers` and decodes the JSON reply (panics on any failure: a test).
async fn get_json(url: String, headers: HeaderMap) -> Value {
    agent_engine::tls::client()
        .unwrap()
        .get(url)
        .headers(headers)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
