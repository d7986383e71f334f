//! BasicMeter: aggregation, by-name recording, dropped input and Prometheus rendering.

use std::time::Duration;

use futures::FutureExt as _;
use telemetry_basic::{BasicMeter, InstrumentKind, SeriesValue};
use telemetry_core::{
    Attribute, DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS, InstrumentDescriptor, Meter, MeterExt,
    attrs, diagnostics,
};

#[test]
fn counters_sum_per_attribute_set_in_any_order() {
    let meter = BasicMeter::new();
    let requests = meter.counter(&InstrumentDescriptor::new("http.server.requests").unwrap());
    requests.add(1, &attrs!["method" => "GET", "route" => "/a"]);
    requests.add(2, &attrs!["route" => "/a", "method" => "GET"]);
    requests.add(5, &attrs!["method" => "POST", "route" => "/a"]);
    requests.add(7, &[]);
    // By name reaches the same instrument.
    meter.record_counter(
        "http.server.requests",
        10,
        &attrs!["route" => "/a", "method" => "GET"],
    );
    // A second handle for the same name shares the aggregation.
    meter
        .counter(&InstrumentDescriptor::new("http.server.requests").unwrap())
        .add(100, &[]);

    let s = meter.snapshot();
    assert_eq!(
        s.counter(
            "http.server.requests",
            &attrs!["method" => "GET", "route" => "/a"]
        ),
        Some(13)
    );
    assert_eq!(
        s.counter(
            "http.server.requests",
            &attrs!["route" => "/a", "method" => "POST"]
        ),
        Some(5)
    );
    assert_eq!(s.counter("http.server.requests", &[]), Some(107));
    assert_eq!(
        s.counter("http.server.requests", &attrs!["method" => "GET"]),
        None
    );
    let metric = s
        .metric("http.server.requests", InstrumentKind::Counter)
        .unwrap();
    assert_eq!(metric.series.len(), 3);
    // Series attributes are stored sorted by key.
    let keys: Vec<&str> = metric.series[1]
        .attributes
        .iter()
        .map(|a| &*a.key)
        .collect();
    assert_eq!(keys, ["method", "route"]);

    let updown = meter.up_down_counter(&InstrumentDescriptor::new("queue.depth").unwrap());
    updown.add(5, &[]);
    updown.add(-7, &[]);
    assert_eq!(
        meter.snapshot().up_down_counter("queue.depth", &[]),
        Some(-2)
    );
}

#[test]
fn histograms_keep_count_sum_min_max_and_buckets() {
    let meter = BasicMeter::new();
    let d = InstrumentDescriptor::new("gen_ai.client.token.usage")
        .unwrap()
        .with_unit("{token}")
        .with_boundaries(vec![1.0, 10.0, 100.0])
        .unwrap();
    let h = meter.histogram(&d);
    let a = attrs!["gen_ai.token.type" => "input"];
    for v in [0.5, 1.0, 3.0, 10.0, 50.0, 1000.0] {
        h.record(v, &a);
    }
    let s = meter.snapshot();
    let got = s.histogram("gen_ai.client.token.usage", &a).unwrap();
    assert_eq!(got.count, 6);
    assert_eq!(got.sum, 1064.5);
    assert_eq!((got.min, got.max), (0.5, 1000.0));
    assert_eq!(got.boundaries, [1.0, 10.0, 100.0]);
    // Upper bounds are inclusive: (-inf, 1], (1, 10], (10, 100], (100, +inf).
    assert_eq!(got.bucket_counts, [2, 2, 1, 1]);
    assert_eq!(got.unit, "{token}");

    // No boundaries: the default buckets, unless the unit is seconds.
    let plain = meter.histogram(
        &InstrumentDescriptor::new("payload.size")
            .unwrap()
            .with_unit("By"),
    );
    plain.record(3.0, &[]);
    let secs = meter.histogram(
        &InstrumentDescriptor::new("op.duration")
            .unwrap()
            .with_unit("s"),
    );
    secs.record(0.05, &[]);
    let s = meter.snapshot();
    assert_eq!(
        s.histogram("payload.size", &[]).unwrap().boundaries,
        DEFAULT_BUCKETS
    );
    assert_eq!(
        s.histogram("op.duration", &[]).unwrap().boundaries,
        DURATION_BUCKETS_SECONDS
    );
}

#[test]
fn gauges_keep_the_last_value() {
    let meter = BasicMeter::new();
    let g = meter.gauge(
        &InstrumentDescriptor::new("process.memory.usage")
            .unwrap()
            .with_unit("By"),
    );
    g.record(10.0, &[]);
    g.record(3.5, &[]);
    g.record(99.0, &attrs!["pool" => "b"]);
    let s = meter.snapshot();
    assert_eq!(s.gauge("process.memory.usage", &[]), Some(3.5));
    assert_eq!(
        s.gauge("process.memory.usage", &attrs!["pool" => "b"]),
        Some(99.0)
    );
}

#[test]
fn record_duration_lands_in_a_seconds_histogram() {
    let meter = BasicMeter::new();
    meter.record_duration(
        "gen_ai.client.operation.duration",
        Duration::from_millis(250),
        &[],
    );
    meter.record_duration(
        "gen_ai.client.operation.duration",
        Duration::from_secs(3),
        &[],
    );
    let s = meter.snapshot();
    let h = s
        .histogram("gen_ai.client.operation.duration", &[])
        .unwrap();
    assert_eq!(h.unit, "s");
    assert_eq!(h.boundaries, DURATION_BUCKETS_SECONDS);
    assert_eq!(h.count, 2);
    assert_eq!(h.sum, 3.25);
    // 0.25 s is in (0.16, 0.32], 3 s in (2.56, 5.12].
    let idx = |v: f64| {
        DURATION_BUCKETS_SECONDS
            .iter()
            .position(|b| v <= *b)
            .unwrap()
    };
    assert_eq!(h.bucket_counts[idx(0.25)], 1);
    assert_eq!(h.bucket_counts[idx(3.0)], 1);
    assert_eq!(h.bucket_counts.iter().sum::<u64>(), 2);

    meter.record_histogram("tool.result.size", 12.0, &[]);
    let s = meter.snapshot();
    let h = s.histogram("tool.result.size", &[]).unwrap();
    assert_eq!((h.unit.as_str(), &h.boundaries[..]), ("", DEFAULT_BUCKETS));
}

#[tokio::test]
async fn measure_duration_records_on_ok_err_and_drop() {
    let meter = BasicMeter::new();
    let a = attrs!["tool" => "clock"];

    let ok: Result<u8, &str> = meter
        .measure_duration("tool.duration", &a, async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(1)
        })
        .await;
    assert_eq!(ok, Ok(1));
    let err: Result<u8, &str> = meter
        .measure_duration("tool.duration", &a, async { Err("boom") })
        .await;
    assert_eq!(err, Err("boom"));
    // Polled once, then dropped while pending (as a timeout or a lost select! would do).
    let dropped = meter
        .measure_duration("tool.duration", &a, std::future::pending::<()>())
        .now_or_never();
    assert!(dropped.is_none());
    // Never polled: nothing to measure.
    drop(meter.measure_duration("tool.duration", &a, async {}));

    let s = meter.snapshot();
    let h = s.histogram("tool.duration", &a).unwrap();
    assert_eq!(h.count, 3);
    assert_eq!(h.unit, "s");
    assert!(h.max >= 0.005, "the slept 5 ms are in the max: {}", h.max);
}

/// One test owns the process-wide diagnostics counters, so the deltas are exact.
#[test]
fn invalid_names_and_non_finite_values_are_dropped_and_counted() {
    let meter = BasicMeter::new();
    let names = diagnostics::invalid_metric_names();
    let non_finite = diagnostics::non_finite_measurements();

    meter.record_counter("1bad", 1, &[]);
    meter.record_counter("has space", 1, &[]);
    meter.record_histogram("", 1.0, &[]);
    meter.record_duration("bad:name", Duration::from_secs(1), &[]);
    assert_eq!(diagnostics::invalid_metric_names() - names, 4);

    meter.record_histogram("ok.hist", f64::NAN, &[]);
    meter.record_histogram("ok.hist", f64::INFINITY, &[]);
    let h = meter.histogram(&InstrumentDescriptor::new("ok.handle").unwrap());
    h.record(f64::NEG_INFINITY, &[]);
    h.record(2.0, &[]);
    let g = meter.gauge(&InstrumentDescriptor::new("ok.gauge").unwrap());
    g.record(f64::NAN, &[]);
    assert_eq!(diagnostics::non_finite_measurements() - non_finite, 4);

    let s = meter.snapshot();
    let names: Vec<&str> = s.metrics().iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["ok.gauge", "ok.handle"],
        "dropped input created no instrument data"
    );
    assert_eq!(s.histogram("ok.handle", &[]).unwrap().count, 1);
    assert!(
        s.metric("ok.gauge", InstrumentKind::Gauge)
            .unwrap()
            .series
            .is_empty()
    );
}

#[test]
fn snapshot_values_are_typed() {
    let meter = BasicMeter::new();
    meter.record_counter("c", 3, &attrs!["k" => "v"]);
    let s = meter.snapshot();
    let series = s
        .series("c", InstrumentKind::Counter, &attrs!["k" => "v"])
        .unwrap();
    assert_eq!(series.value, SeriesValue::Counter(3));
    assert_eq!(series.attributes, [Attribute::new("k", "v")]);
    assert!(BasicMeter::new().snapshot().is_empty());
}

#[test]
fn prometheus_rendering_golden() {
    let meter = BasicMeter::new();
    let requests = meter.counter(
        &InstrumentDescriptor::new("http.server.requests")
            .unwrap()
            .with_description("Requests handled.\nBy route."),
    );
    requests.add(
        3,
        &attrs!["route" => "/v1/sessions", "http.request.method" => "POST"],
    );
    requests.add(
        1,
        &attrs!["http.request.method" => "GET", "route" => "/say \"hi\"\\now"],
    );
    meter
        .up_down_counter(
            &InstrumentDescriptor::new("agent.active-runs")
                .unwrap()
                .with_unit("{run}"),
        )
        .add(-2, &[]);
    meter
        .gauge(
            &InstrumentDescriptor::new("cache/hit-rate")
                .unwrap()
                .with_unit("1"),
        )
        .record(0.25, &attrs!["cache" => "prompt"]);
    let latency = meter.histogram(
        &InstrumentDescriptor::new("gen_ai.client.operation.duration")
            .unwrap()
            .with_description("GenAI operation duration.")
            .seconds()
            .with_boundaries(vec![0.1, 1.0])
            .unwrap(),
    );
    latency.record(0.05, &attrs!["gen_ai.operation.name" => "chat"]);
    latency.record(0.5, &attrs!["gen_ai.operation.name" => "chat"]);
    latency.record(4.0, &attrs!["gen_ai.operation.name" => "chat"]);
    // Created but never recorded: left out.
    meter.counter(&InstrumentDescriptor::new("unused").unwrap());

    let expected = r#"# TYPE agent_active_runs gauge
agent_active_runs -2
# TYPE cache_hit_rate_ratio gauge
cache_hit_rate_ratio{cache="prompt"} 0.25
# HELP gen_ai_client_operation_duration_seconds GenAI operation duration.
# TYPE gen_ai_client_operation_duration_seconds histogram
gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name="chat",le="0.1"} 1
gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name="chat",le="1"} 2
gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name="chat",le="+Inf"} 3
gen_ai_client_operation_duration_seconds_sum{gen_ai_operation_name="chat"} 4.55
gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat"} 3
# HELP http_server_requests_total Requests handled.\nBy route.
# TYPE http_server_requests_total counter
http_server_requests_total{http_request_method="GET",route="/say \"hi\"\\now"} 1
http_server_requests_total{http_request_method="POST",route="/v1/sessions"} 3
"#;
    assert_eq!(meter.render_prometheus(), expected);
    // Deterministic.
    assert_eq!(meter.render_prometheus(), expected);
}

#[test]
fn prometheus_name_collisions_do_not_break_the_exposition() {
    let meter = BasicMeter::new();
    meter.record_counter("a.b", 1, &[]);
    meter.record_counter("a_b", 2, &[]);
    let text = meter.render_prometheus();
    assert_eq!(
        text.matches("# TYPE a_b_total counter").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("# agent-telemetry: skipped instrument \"a_b\""),
        "{text}"
    );
}
