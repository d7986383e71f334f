//! [`HttpServerLayer`] in front of a real axum server on 127.0.0.1, checked on what an
//! in-process OTLP receiver got: span names and attributes, status, propagation, the
//! correlation header, cancellation, header capture and metrics.

mod common;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{SERVICE, client, is_cancelled, serve};
use telemetry_http::{HttpServerLayer, RequestCorrelation};
use telemetry_testkit::otel::{WAIT, pipeline, received};
use tokio::io::AsyncWriteExt as _;

fn app(layer: HttpServerLayer) -> Router {
    Router::new()
        .route(
            "/items/{id}",
            get(|axum::Extension(c): axum::Extension<RequestCorrelation>| async move {
                c.0.to_string()
            }),
        )
        .route("/fail", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }))
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("the handler broke");
                }
                "unreachable"
            }),
        )
        .layer(layer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_spans_are_named_and_attributed_by_the_http_conventions() {
    let (otel, receiver) = pipeline(SERVICE).await;
    let layer = HttpServerLayer::new(otel.telemetry())
        .capture_request_headers(["x-request-id", "authorization", "cookie"])
        .capture_response_headers(["content-type"]);
    let (addr, _server) = serve(app(layer)).await;
    let http = client();
    let base = format!("http://{addr}");

    // A matched route with a query.
    let r = http
        .get(format!("{base}/items/42?color=blue&sig=s3cr3t"))
        .header("user-agent", "conformance-test/1.0")
        .header("x-request-id", "req-1")
        .header("authorization", "Bearer secret-token")
        .header("cookie", "session=secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = r.headers()["x-correlation-id"].to_str().unwrap().to_owned();
    assert_eq!(r.text().await.unwrap(), header, "handler sees the same id");
    // An unmatched path (404), an unknown method on a route (405), a 503, a panic.
    assert_eq!(
        http.get(format!("{base}/nowhere"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let purge = reqwest::Method::from_bytes(b"PURGE").unwrap();
    let r = http
        .request(purge, format!("{base}/items/7"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(
        http.get(format!("{base}/fail"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    let r = http.get(format!("{base}/panic")).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers().contains_key("x-correlation-id"));
    // The server still serves after the panic.
    assert_eq!(
        http.get(format!("{base}/items/1"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let got = received(otel, receiver, 6).await;
    let ok: Vec<_> = got
        .spans
        .iter()
        .filter(|s| s.name == "GET /items/{id}")
        .collect();
    assert_eq!(ok.len(), 2, "{:#?}", got.spans);
    let s = ok
        .iter()
        .find(|s| s.attr("url.path") == Some("/items/42"))
        .unwrap();
    assert_eq!(s.kind, "SPAN_KIND_SERVER");
    assert_eq!(s.trace_id, header, "x-correlation-id is the trace id");
    assert_eq!(s.parent(), None, "a root without traceparent");
    assert_eq!(s.attr("http.request.method"), Some("GET"));
    assert_eq!(s.attr("http.route"), Some("/items/{id}"));
    assert_eq!(s.attr("url.query"), Some("color=blue&sig=REDACTED"));
    assert_eq!(s.attr("url.scheme"), Some("http"));
    assert_eq!(s.attr("http.response.status_code"), Some("200"));
    assert_eq!(s.attr("server.address"), Some("127.0.0.1"));
    assert_eq!(
        s.attr("server.port"),
        Some(addr.port().to_string().as_str())
    );
    assert_eq!(s.attr("client.address"), Some("127.0.0.1"));
    assert_eq!(s.attr("user_agent.original"), Some("conformance-test/1.0"));
    assert_eq!(s.attr("network.protocol.version"), Some("1.1"));
    assert_eq!(
        s.attr("http.request.header.x-request-id"),
        Some(r#"["req-1"]"#)
    );
    assert!(
        s.attr("http.response.header.content-type")
            .unwrap()
            .contains("text/plain"),
        "{s:#?}"
    );
    assert!(
        !s.attributes
            .keys()
            .any(|k| k.contains("authorization") || k.contains("cookie")),
        "credential headers are never captured: {s:#?}"
    );
    assert!(!format!("{s:?}").contains("secret") && !format!("{s:?}").contains("s3cr3t"));
    assert_eq!(s.status_code, "STATUS_CODE_UNSET");

    let not_found = got.span_named("GET");
    assert_eq!(not_found.attr("http.route"), None);
    assert_eq!(not_found.attr("http.response.status_code"), Some("404"));
    assert_eq!(
        not_found.status_code, "STATUS_CODE_UNSET",
        "4xx is not a server error"
    );
    assert_eq!(not_found.attr("error.type"), None);

    let other = got.span_named("HTTP /items/{id}");
    assert_eq!(other.attr("http.request.method"), Some("_OTHER"));
    assert_eq!(other.attr("http.request.method_original"), Some("PURGE"));
    assert_eq!(other.attr("http.response.status_code"), Some("405"));

    let failed = got.span_named("GET /fail");
    assert_eq!(failed.status_code, "STATUS_CODE_ERROR");
    assert_eq!(failed.attr("error.type"), Some("503"));
    assert_eq!(failed.status_message, "", "the status code says why");

    let panicked = got.span_named("GET /panic");
    assert_eq!(panicked.status_code, "STATUS_CODE_ERROR");
    assert_eq!(panicked.attr("error.type"), Some("panic"));
    assert_eq!(panicked.attr("http.response.status_code"), Some("500"));
    let logs = got.logs_of(panicked);
    assert!(
        logs.iter()
            .any(|l| l.body == "request failed"
                && l.attr("panic.message") == Some("the handler broke")),
        "{logs:#?}"
    );

    // Metrics: duration in seconds with the conventions' buckets, no ids or paths.
    let points = got.points_of("http.server.request.duration");
    assert!(!points.is_empty());
    for p in &points {
        assert_eq!(p.unit, "s");
        assert_eq!(p.bounds.first(), Some(&0.005));
        assert_eq!(p.bounds.last(), Some(&10.0));
        assert!(!p.attributes.contains_key("url.path"), "{p:?}");
    }
    let route_200 = points
        .iter()
        .find(|p| {
            p.attributes.get("http.route").map(String::as_str) == Some("/items/{id}")
                && p.attributes
                    .get("http.response.status_code")
                    .map(String::as_str)
                    == Some("200")
        })
        .expect("a series for GET /items/{id} 200");
    assert_eq!(route_200.count, 2);
    assert_eq!(route_200.attributes["http.request.method"], "GET");
    assert_eq!(route_200.attributes["url.scheme"], "http");
    assert!(
        points
            .iter()
            .any(|p| p.attributes.get("error.type").map(String::as_str) == Some("panic"))
    );
    let active = got.points_of("http.server.active_requests");
    assert!(!active.is_empty());
    assert!(
        active.iter().all(|p| p.unit == "{request}" && p.sum == 0.0),
        "{active:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoming_traceparent_is_continued_and_answered_in_the_correlation_header() {
    let (otel, receiver) = pipeline(SERVICE).await;
    let (addr, _server) = serve(app(HttpServerLayer::new(otel.telemetry()))).await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = client()
        .get(format!("http://{addr}/items/1"))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .header("tracestate", "vendor=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-correlation-id"], trace);
    let got = received(otel, receiver, 1).await;
    let s = got.span_named("GET /items/{id}");
    assert_eq!(s.trace_id, trace);
    assert_eq!(s.parent(), Some("00f067aa0ba902b7"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_before_the_response_ends_the_span_as_cancelled() {
    let (otel, receiver) = pipeline(SERVICE).await;
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
    let dropped_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(dropped_tx)));
    struct OnDrop(Option<tokio::sync::oneshot::Sender<()>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            if let Some(tx) = self.0.take() {
                let _ = tx.send(());
            }
        }
    }
    let slow = Router::new()
        .route(
            "/slow",
            get(move || {
                let guard = OnDrop(dropped_tx.lock().unwrap().take());
                async move {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(guard);
                    "late"
                }
            }),
        )
        .layer(HttpServerLayer::new(otel.telemetry()));
    let (addr, _server) = serve(slow).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(stream);
    tokio::time::timeout(WAIT, dropped_rx)
        .await
        .expect("the server drops the handler when the client goes away")
        .unwrap();
    let got = received(otel, receiver, 1).await;
    let s = got.span_named("GET /slow");
    assert!(is_cancelled(s), "{s:#?}");
    assert_eq!(s.status_code, "STATUS_CODE_UNSET", "not a server failure");
    assert_eq!(
        s.attr("http.response.status_code"),
        None,
        "no response was sent"
    );
    assert_eq!(s.attr("error.type"), None);
}
