//! Span links (OpenTelemetry *Tracing API*, "Link"): a scope opened with links to other traces
//! arrives over OTLP with each link's trace id, span id and attributes.

mod common;

use std::time::Duration;

use common::builder;
use telemetry_core::{ContextualCorrelator, CorrelationId, Lifecycle, ScopeOptions, SpanId, attrs};
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

/// A received link: trace id, span id, attributes as (key, value) in key order.
type Link = (String, String, Vec<(String, String)>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_arrive_with_their_ids_and_attributes() {
    let server = mock::receiver().await;
    let otel = builder("links", &[])
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();

    // Two independent traces, then one span that aggregates them, and a link given by ids.
    let map0 = otel.open_scope(ScopeOptions::new("map 0").root());
    let map1 = otel.open_scope(ScopeOptions::new("map 1").root());
    let elsewhere = (
        CorrelationId::parse("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::parse("00f067aa0ba902b7").unwrap(),
    );
    let reduce = otel.open_scope(
        ScopeOptions::new("reduce")
            .root()
            .link(map0.context(), &attrs!["task.index" => 0])
            .link(
                map1.context(),
                &attrs!["task.index" => 1, "task.kind" => "map"],
            )
            .link(elsewhere, &[])
            .link(telemetry_core::Context::none(), &attrs!["ignored" => true]),
    );
    let (reduce_trace, reduce_links) = (
        reduce.correlation_id().unwrap(),
        reduce.context().links().to_vec(),
    );
    assert_eq!(reduce_links.len(), 3, "a target without ids adds no link");
    let ids = |s: &telemetry_core::Scope| {
        (
            s.correlation_id().unwrap().to_string(),
            s.context().span_id().unwrap().to_string(),
        )
    };
    let (m0, m1) = (ids(&map0), ids(&map1));
    drop((map0, map1, reduce));

    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(3, WAIT).await.unwrap();
    let r = server.with_collector(mock::received).await;
    let span = r.span_named("reduce");
    assert_eq!(span.trace_id, reduce_trace.to_string());
    assert_ne!(
        span.trace_id, m0.0,
        "the aggregate is its own trace, not a child"
    );
    let got: Vec<Link> = span
        .links
        .iter()
        .map(|l| {
            let attrs = l.attributes.clone().into_iter().collect();
            (l.trace_id.clone(), l.span_id.clone(), attrs)
        })
        .collect();
    let a = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        got,
        [
            (m0.0, m0.1, vec![a("task.index", "0")]),
            (
                m1.0,
                m1.1,
                vec![a("task.index", "1"), a("task.kind", "map")]
            ),
            (
                "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
                "00f067aa0ba902b7".to_owned(),
                vec![]
            ),
        ]
    );
    assert!(r.span_named("map 0").links.is_empty());
    server.shutdown().await.unwrap();
}
