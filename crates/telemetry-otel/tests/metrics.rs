//! Metric records through SDK bound instruments (see `src/instruments.rs`), checked on what an OTLP
//! receiver got: repeated attribute sets aggregate into one series whatever their order and
//! whichever path (handle or by name) recorded them, and attribute sets past the binding bound
//! still arrive.

mod common;

use std::time::Duration;

use common::builder;
use telemetry_core::{Attribute, InstrumentDescriptor, Lifecycle, Meter, attrs};
use telemetry_otel::Protocol;
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_attribute_sets_aggregate_and_sets_past_the_bound_still_arrive() {
    let server = mock::receiver().await;
    let otel = builder("metrics", &[("OTEL_TRACES_EXPORTER", "none")])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();

    let calls = otel.counter(&InstrumentDescriptor::new("tool.calls").unwrap());
    // One series, bound once, reached through a handle, by name, and in another order.
    calls.add(1, &attrs!["tool" => "clock", "outcome" => "ok"]);
    calls.add(2, &attrs!["tool" => "clock", "outcome" => "ok"]);
    otel.record_counter(
        "tool.calls",
        4,
        &attrs!["tool" => "clock", "outcome" => "ok"],
    );
    calls.add(8, &attrs!["outcome" => "ok", "tool" => "clock"]);
    // The same set again with owned text, at other addresses than the bound set's.
    calls.add(
        32,
        &[
            Attribute::new(String::from("tool"), String::from("clock")),
            Attribute::new("outcome", String::from("ok")),
        ],
    );
    // A second series with an owned string value equal to nothing above.
    calls.add(16, &[Attribute::new("tool", String::from("calculator"))]);
    // A third whose keys have the lengths, and whose values the text, of the first's: the
    // same hash (keys count by length), yet its own series.
    calls.add(64, &attrs!["tool" => "clock", "verdict" => "ok"]);

    // More distinct sets than the bound (1024 per instrument): the rest take the SDK's
    // ordinary path and must arrive just the same.
    let duration = otel.histogram(
        &InstrumentDescriptor::new("step.duration")
            .unwrap()
            .seconds(),
    );
    const SETS: i64 = 1100;
    for round in 0..2 {
        for i in 0..SETS {
            duration.record(0.5 + round as f64, &attrs!["step" => i]);
        }
    }
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_metrics(2, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;

    let calls = received.points_of("tool.calls");
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let clock = calls
        .iter()
        .find(|p| p.attributes.get("outcome").map(String::as_str) == Some("ok"))
        .expect("the clock series");
    assert_eq!(clock.sum, 47.0);
    assert_eq!(clock.attributes.len(), 2);
    let verdict = calls
        .iter()
        .find(|p| p.attributes.get("verdict").map(String::as_str) == Some("ok"))
        .expect("the series with the other key");
    assert_eq!(verdict.sum, 64.0);
    assert_eq!(
        verdict.attributes.get("tool").map(String::as_str),
        Some("clock")
    );
    let calculator = calls
        .iter()
        .find(|p| p.attributes.get("tool").map(String::as_str) == Some("calculator"))
        .expect("the calculator series");
    assert_eq!(calculator.sum, 16.0);

    let steps = received.points_of("step.duration");
    assert_eq!(steps.len(), SETS as usize);
    for p in steps {
        assert_eq!((p.count, p.sum), (2, 2.0), "{p:?}");
    }
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
    server.shutdown().await.unwrap();
}

/// A list that repeats a key records into the series of its set (last value wins, OTel spec
/// *Common › Attribute Collections*), bound or not, and the SDK never sees the repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_key_records_into_the_series_of_its_set() {
    let server = mock::receiver().await;
    let otel = builder("metrics-repeat", &[("OTEL_TRACES_EXPORTER", "none")])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();
    let calls = otel.counter(&InstrumentDescriptor::new("tool.calls").unwrap());
    // First seen with a repeat, then plainly, then repeated the other way round.
    calls.add(
        1,
        &attrs!["tool" => "calculator", "outcome" => "ok", "tool" => "clock"],
    );
    calls.add(2, &attrs!["tool" => "clock", "outcome" => "ok"]);
    calls.add(
        4,
        &attrs!["outcome" => "error", "tool" => "clock", "outcome" => "ok"],
    );
    otel.record_counter(
        "tool.calls",
        8,
        &attrs!["outcome" => "ok", "tool" => "clock", "tool" => "clock"],
    );
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_metrics(1, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    let calls = received.points_of("tool.calls");
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].sum, 15.0);
    assert_eq!(calls[0].attributes.len(), 2);
    assert_eq!(
        calls[0].attributes.get("tool").map(String::as_str),
        Some("clock")
    );
    assert_eq!(
        calls[0].attributes.get("outcome").map(String::as_str),
        Some("ok")
    );
}
