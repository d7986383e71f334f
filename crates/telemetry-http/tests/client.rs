//! [`HttpClientMiddleware`] calling real axum servers on 127.0.0.1, checked on what an
//! in-process OTLP receiver got: one trace SERVER → CLIENT → SERVER, `url.full` redaction,
//! a span per retry attempt, error outcomes and the client metric.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{SERVICE, client, serve};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next};
use telemetry_core::{Attribute, Telemetry};
use telemetry_http::{ClientSpanAttributes, HttpClientMiddleware, HttpServerLayer, UrlTemplate};
use telemetry_testkit::otel::{pipeline, received};

fn traced_client(t: Telemetry) -> ClientWithMiddleware {
    ClientBuilder::new(client())
        .with(HttpClientMiddleware::new(t))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_a_handler_to_a_second_server_is_one_trace_server_client_server() {
    let (otel, receiver) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    let callee = Router::new()
        .route("/v1/tasks/{id}", get(|| async { "done" }))
        .layer(HttpServerLayer::new(t.clone()));
    let (callee_addr, _callee) = serve(callee).await;
    let http = traced_client(t.clone());
    let caller = Router::new()
        .route(
            "/run",
            get(move || {
                let http = http.clone();
                async move {
                    http.get(format!(
                        "http://user:pw@{callee_addr}/v1/tasks/42?sig=s3cr3t&x=1"
                    ))
                    .with_extension(UrlTemplate::new("/v1/tasks/{id}"))
                    .with_extension(ClientSpanAttributes(vec![Attribute::new("task.id", 42)]))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
                }
            }),
        )
        .layer(HttpServerLayer::new(t.clone()));
    let (caller_addr, _caller) = serve(caller).await;
    let r = client()
        .get(format!("http://{caller_addr}/run"))
        .send()
        .await
        .unwrap();
    let trace = r.headers()["x-correlation-id"].to_str().unwrap().to_owned();
    assert_eq!(r.text().await.unwrap(), "done");

    let got = received(otel, receiver, 3).await;
    let spans = got.spans_in(&trace);
    assert_eq!(spans.len(), 3, "{:#?}", got.spans);
    let outer = got.span_named("GET /run");
    let call = spans.iter().find(|s| s.kind == "SPAN_KIND_CLIENT").unwrap();
    let inner = spans
        .iter()
        .find(|s| s.kind == "SPAN_KIND_SERVER" && s.name == "GET /v1/tasks/{id}")
        .unwrap();
    assert_eq!(call.parent(), Some(outer.span_id.as_str()));
    assert_eq!(
        inner.parent(),
        Some(call.span_id.as_str()),
        "the callee continues the client span"
    );
    assert_eq!(call.name, "GET /v1/tasks/{id}");
    assert_eq!(call.attr("http.request.method"), Some("GET"));
    assert_eq!(call.attr("server.address"), Some("127.0.0.1"));
    assert_eq!(
        call.attr("server.port"),
        Some(callee_addr.port().to_string().as_str())
    );
    assert_eq!(call.attr("url.template"), Some("/v1/tasks/{id}"));
    assert_eq!(call.attr("task.id"), Some("42"));
    // reqwest moves URL credentials into an `Authorization` header before middleware runs,
    // so only the query needs redacting here (`redact_url`'s unit tests cover credentials).
    assert_eq!(
        call.attr("url.full"),
        Some(format!("http://{callee_addr}/v1/tasks/42?sig=REDACTED&x=1").as_str())
    );
    assert!(!format!("{call:?}").contains("s3cr3t") && !format!("{call:?}").contains(":pw"));
    assert_eq!(call.attr("http.response.status_code"), Some("200"));
    assert_eq!(call.attr("http.request.resend_count"), None);
    assert_eq!(call.status_code, "STATUS_CODE_UNSET");

    let points = got.points_of("http.client.request.duration");
    assert_eq!(points.len(), 1, "{points:?}");
    let p = points[0];
    assert_eq!((p.unit.as_str(), p.count), ("s", 1));
    assert_eq!(p.attributes["http.request.method"], "GET");
    assert_eq!(p.attributes["server.address"], "127.0.0.1");
    assert_eq!(p.attributes["http.response.status_code"], "200");
    assert!(!p.attributes.contains_key("url.full"));
}

/// Resends a request once when it gets a 503, as a retry middleware does.
struct RetryOnce;

#[async_trait::async_trait]
impl Middleware for RetryOnce {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let again = req.try_clone().expect("a body-less request clones");
        let first = next.clone().run(req, extensions).await?;
        if first.status() != StatusCode::SERVICE_UNAVAILABLE {
            return Ok(first);
        }
        next.run(again, extensions).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_retry_attempt_is_a_span_with_its_resend_count_and_errors_fail_the_span() {
    let (otel, receiver) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let flaky = Router::new().route(
        "/flaky",
        get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        }),
    );
    let (addr, _server) = serve(flaky).await;
    let http = ClientBuilder::new(client())
        .with(RetryOnce)
        .with(HttpClientMiddleware::new(t.clone()))
        .build();
    let call = t
        .correlator
        .open_scope(telemetry_core::ScopeOptions::new("call flaky"));
    let r = call
        .context()
        .clone()
        .wrap(http.get(format!("http://{addr}/flaky")).send())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let call_trace = call.correlation_id().unwrap().to_string();
    drop(call);
    // A transport error: nothing listens on the port any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let e = traced_client(t.clone())
        .get(format!("http://{closed}/x"))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_connect(), "{e:?}");

    let got = received(otel, receiver, 4).await;
    let parent = got.span_named("call flaky");
    let mut attempts: Vec<_> = got
        .spans
        .iter()
        .filter(|s| s.attr("server.port") == Some(addr.port().to_string().as_str()))
        .collect();
    attempts.sort_by_key(|s| s.attr("http.request.resend_count").map(str::to_owned));
    assert_eq!(attempts.len(), 2, "{:#?}", got.spans);
    assert_eq!(attempts[0].attr("http.request.resend_count"), None);
    assert_eq!(attempts[0].attr("http.response.status_code"), Some("503"));
    assert_eq!(attempts[0].status_code, "STATUS_CODE_ERROR");
    assert_eq!(attempts[0].attr("error.type"), Some("503"));
    assert_eq!(attempts[1].attr("http.request.resend_count"), Some("1"));
    assert_eq!(attempts[1].attr("http.response.status_code"), Some("200"));
    assert_eq!(attempts[1].status_code, "STATUS_CODE_UNSET");
    for a in &attempts {
        assert_eq!(
            a.trace_id, call_trace,
            "both attempts are in the caller's trace"
        );
        assert_eq!(a.parent(), Some(parent.span_id.as_str()));
    }

    let refused = got
        .spans
        .iter()
        .find(|s| s.attr("server.port") == Some(closed.port().to_string().as_str()))
        .unwrap();
    assert_eq!(refused.name, "GET", "no url.template: the method alone");
    assert_eq!(refused.attr("error.type"), Some("connect"));
    assert_eq!(refused.status_code, "STATUS_CODE_ERROR");
    assert_eq!(refused.attr("http.response.status_code"), None);
}
