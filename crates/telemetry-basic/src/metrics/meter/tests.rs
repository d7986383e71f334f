//! Series, cardinality limits and snapshots of the in-memory meter.

use super::*;
use crate::metrics::instrument::OVERFLOW_ATTRIBUTE;
use telemetry_core::attrs;

#[test]
fn a_repeated_key_records_into_the_series_of_its_set() {
    let meter = BasicMeter::new();
    let c = meter.counter(&InstrumentDescriptor::new("c").unwrap());
    c.add(1, &attrs!["a" => 0, "b" => "x", "a" => 1]);
    c.add(2, &attrs!["b" => "x", "a" => 1]);
    c.add(4, &attrs!["a" => 1, "b" => "x", "b" => "x"]);
    let s = meter.snapshot();
    assert_eq!(
        s.metric("c", InstrumentKind::Counter).unwrap().series.len(),
        1
    );
    assert_eq!(s.counter("c", &attrs!["a" => 1, "b" => "x"]), Some(7));
}

#[test]
fn overflow_series_collects_past_the_limit() {
    let meter = BasicMeter::with_cardinality_limit(2);
    for i in 0..5i64 {
        meter.record_counter("c", 1, &[Attribute::new("i", i)]);
    }
    let s = meter.snapshot();
    assert_eq!(s.counter("c", &attrs!["i" => 0]), Some(1));
    assert_eq!(s.counter("c", &attrs!["i" => 1]), Some(1));
    assert_eq!(s.counter("c", &attrs!["i" => 2]), None);
    assert_eq!(s.counter("c", &attrs![OVERFLOW_ATTRIBUTE => true]), Some(3));
}

#[test]
fn an_f64_counter_sums_fractions_drops_negatives_and_renders_as_a_counter() {
    let meter = BasicMeter::new();
    let d = InstrumentDescriptor::new("gen_ai.cost")
        .unwrap()
        .with_unit("USD")
        .with_description("Cost.");
    let c = meter.f64_counter(&d);
    let a = attrs!["model" => "m"];
    c.add(0.25, &a);
    c.add(0.5, &a);
    c.add(-1.0, &a);
    c.add(f64::NAN, &a);
    // The same instrument again: one aggregation.
    meter.f64_counter(&d).add(0.125, &a);
    let s = meter.snapshot();
    assert_eq!(s.f64_counter("gen_ai.cost", &a), Some(0.875));
    assert_eq!(s.counter("gen_ai.cost", &a), None);
    let text = s.render_prometheus();
    assert!(
        text.contains("# TYPE gen_ai_cost_USD_total counter"),
        "{text}"
    );
    assert!(
        text.contains("gen_ai_cost_USD_total{model=\"m\"} 0.875"),
        "{text}"
    );
}
