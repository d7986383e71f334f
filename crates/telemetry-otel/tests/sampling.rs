//! Sampling, checked on what an OTLP receiver got. Under `parentbased_traceidratio` at 0.5 a
//! kept trace arrives whole (root and child, with the attributes given at start and set later,
//! and the recorded error), a dropped one not at all; the `traceparent` injected for a scope
//! says which, so a callee that follows its parent agrees; and a scope of a dropped trace still
//! answers `Context::attribute`. Under `always_off` nothing is sent, and scopes keep their ids
//! and attributes.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::traces_only;
use telemetry_core::{
    Attribute, ContextualCorrelator, CorrelatorExt, Lifecycle, ScopeOptions, attrs,
};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);
const TRACES: usize = 64;

/// Traces only, to the receiver at `addr`, with the given sampler variables.
fn traces_to(
    addr: impl std::fmt::Display,
    service: &str,
    sampler: &[(&str, &str)],
) -> OpenTelemetry {
    traces_only(service, format!("http://{addr}"), sampler)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_traces_stay_dropped_and_kept_ones_arrive_whole() {
    let server = mock::receiver().await;
    let otel = traces_to(
        server.addr(),
        "sampling",
        &[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ],
    );

    // Trace id (hex) -> (index, sampled flag of the injected traceparent).
    let mut traces = HashMap::new();
    for i in 0..TRACES {
        let root = otel.enter_scope("root", &attrs!["i" => i]);
        let child = otel.open_scope(
            ScopeOptions::new("child").attributes(&[Attribute::new("owned", format!("value {i}"))]),
        );
        child.set_attribute("later", i);
        child.record_error("boom", "went wrong");
        // Kept or not, the scope keeps its attributes for the application.
        assert_eq!(
            child.context().attribute("owned").map(|v| v.to_string()),
            Some(format!("value {i}"))
        );
        let flag = |cx| {
            let mut headers = HashMap::new();
            otel.inject(cx, &mut headers);
            let traceparent = headers.remove("traceparent").expect("a traceparent");
            traceparent.rsplit('-').next().unwrap().to_owned()
        };
        let (root_flag, child_flag) = (flag(root.context()), flag(child.context()));
        assert_eq!(root_flag, child_flag, "a child follows its parent");
        let trace_id = root.correlation_id().unwrap().to_string();
        // Bit 0 sampled; bit 1, random-trace-id, is set on every trace started here.
        assert_eq!(u8::from_str_radix(&root_flag, 16).unwrap() & 0x02, 0x02);
        traces.insert(trace_id, (i, root_flag == "03"));
        drop(child);
        drop(root);
    }
    let kept: HashSet<&String> = traces
        .iter()
        .filter(|(_, (_, sampled))| *sampled)
        .map(|(id, _)| id)
        .collect();
    // At a ratio of 0.5 over 64 random trace ids, all or none kept has odds of 2^-63.
    assert!(
        !kept.is_empty() && kept.len() < TRACES,
        "{} kept",
        kept.len()
    );

    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(2 * kept.len(), WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    assert_eq!(
        received.spans.len(),
        2 * kept.len(),
        "only kept traces arrive"
    );
    for (trace_id, (i, sampled)) in &traces {
        let spans = received.spans_in(trace_id);
        if !sampled {
            assert!(
                spans.is_empty(),
                "dropped trace {trace_id} arrived: {spans:#?}"
            );
            continue;
        }
        let root = spans.iter().find(|s| s.name == "root").expect("the root");
        let child = spans.iter().find(|s| s.name == "child").expect("the child");
        assert_eq!(root.attr("i"), Some(i.to_string().as_str()));
        assert_eq!(child.parent(), Some(root.span_id.as_str()));
        assert_eq!(child.attr("owned"), Some(format!("value {i}").as_str()));
        assert_eq!(child.attr("later"), Some(i.to_string().as_str()));
        assert_eq!(child.attr("error.type"), Some("boom"));
        assert_eq!(child.status_code, "STATUS_CODE_ERROR");
    }
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_off_sends_no_span_yet_scopes_keep_ids_and_attributes() {
    let server = mock::receiver().await;
    let otel = traces_to(
        server.addr(),
        "sampling-off",
        &[("OTEL_TRACES_SAMPLER", "always_off")],
    );
    {
        let root = otel.enter_scope("root", &attrs!["i" => 1]);
        let child = otel.open_scope(ScopeOptions::new("child").attributes(&attrs!["k" => "v"]));
        child.set_attribute("later", 2);
        assert_eq!(
            child.context().attribute("k").map(|v| v.to_string()),
            Some("v".to_owned())
        );
        assert_eq!(child.correlation_id(), root.correlation_id());
        let mut headers = HashMap::new();
        otel.inject(child.context(), &mut headers);
        // Not sampled; random-trace-id (W3C Trace Context Level 2) set.
        assert!(headers["traceparent"].ends_with("-02"), "{headers:?}");
    }
    otel.shutdown(WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    assert!(received.spans.is_empty(), "{:#?}", received.spans);
    server.shutdown().await.unwrap();
}
