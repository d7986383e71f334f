//! `docs/deploy.md`'s Collector configurations: every `yaml` block parses as YAML (YAML 1.2,
//! with `serde_norway`; no Collector binary can be had here to validate them against the
//! Collector's own schema), every pipeline names
//! receivers, processors and exporters the same file defines, the first tier routes traces by
//! trace id and not metrics, and the second tier's policies use this project's attribute
//! names, its threshold encoding for 10% and the variables the document names.

use std::collections::BTreeSet;

use serde_json::Value;

const DOC: &str = include_str!("../../docs/deploy.md");

/// The ```yaml blocks of the document, in order.
fn yaml_blocks() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in DOC.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed yaml block");
    blocks
}

/// Parses YAML into a JSON value, naming the block when it is not valid YAML.
fn parse(yaml: &str) -> Value {
    serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("not valid YAML ({e}):\n{yaml}"))
}

/// Checks that every component a pipeline names is defined; returns the pipelines.
fn check_references(config: &Value, name: &str) -> serde_json::Map<String, Value> {
    let pipelines = config["service"]["pipelines"]
        .as_object()
        .unwrap_or_else(|| panic!("{name}: no service.pipelines"))
        .clone();
    for (pipeline, p) in &pipelines {
        for kind in ["receivers", "processors", "exporters"] {
            for component in p[kind].as_array().into_iter().flatten() {
                let component = component.as_str().unwrap();
                assert!(
                    config[kind].get(component).is_some(),
                    "{name}: pipeline {pipeline} names {kind} {component}, which is not defined"
                );
            }
        }
        assert!(
            !p["receivers"].as_array().unwrap().is_empty()
                && !p["exporters"].as_array().unwrap().is_empty(),
            "{name}: pipeline {pipeline} needs receivers and exporters"
        );
    }
    pipelines
}

#[test]
fn deploy_doc_collector_configurations_parse_and_hold_together() {
    let blocks = yaml_blocks();
    assert_eq!(blocks.len(), 2, "two Collector configurations");
    let (tier1, tier2) = (parse(&blocks[0]), parse(&blocks[1]));

    let pipelines = check_references(&tier1, "tier 1");
    assert_eq!(pipelines["traces"]["exporters"][0], "loadbalancing");
    let lb = &tier1["exporters"]["loadbalancing"];
    assert_eq!(lb["routing_key"], "traceID");
    assert!(lb["resolver"].is_object() && lb["protocol"]["otlp"].is_object());
    for signal in ["metrics", "logs"] {
        let exporters = pipelines[signal]["exporters"].as_array().unwrap();
        assert!(
            !exporters.iter().any(|e| e == "loadbalancing"),
            "{signal} must not be routed by trace id (nor sampled)"
        );
    }

    let pipelines = check_references(&tier2, "tier 2");
    let processors: Vec<&str> = pipelines["traces"]["processors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(processors, ["memory_limiter", "tail_sampling", "batch"]);
    let tail = &tier2["processors"]["tail_sampling"];
    let policies = tail["policies"].as_array().unwrap();
    let mut names = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut text = String::new();
    for p in policies {
        let name = p["name"].as_str().unwrap();
        assert!(names.insert(name), "policy {name} twice");
        let ty = p["type"].as_str().unwrap();
        assert!(
            p.get(ty).is_some(),
            "policy {name} of type {ty} has no {ty} block"
        );
        if let Some(k) = p[ty]["key"].as_str() {
            keys.insert(k.to_owned());
        }
        text.push_str(&p.to_string());
    }
    for ty in [
        "status_code",
        "latency",
        "probabilistic",
        "trace_state",
        "string_attribute",
    ] {
        assert!(policies.iter().any(|p| p["type"] == ty), "no {ty} policy");
    }
    // This project's attribute names (semantic conventions v1.41) and `ot` entry.
    for key in ["gen_ai.usage.input_tokens", "gen_ai.agent.name", "ot"] {
        assert!(keys.contains(key), "no policy on {key}: {keys:?}");
    }
    for needle in ["error.type", "gen_ai.usage.cost"] {
        assert!(text.contains(needle), "no policy mentions {needle}");
    }
    // 10% is `th:e666` (OpenTelemetry specification v1.60.0, *TraceState: Probability
    // Sampling*, the conversion table at precision 4), as agent_tail writes it.
    let trace_state = policies
        .iter()
        .find(|p| p["type"] == "trace_state")
        .unwrap();
    assert_eq!(trace_state["trace_state"]["values"][0], "th:e666");
    let probabilistic = policies
        .iter()
        .find(|p| p["type"] == "probabilistic")
        .unwrap();
    assert_eq!(probabilistic["probabilistic"]["sampling_percentage"], 10);
    // The variables the document names are the library's.
    for var in [
        telemetry_otel::TAIL_LATENCY_MS,
        telemetry_otel::TAIL_TOKENS,
        telemetry_otel::TAIL_COST,
        telemetry_otel::TAIL_KEEP,
        telemetry_otel::TAIL_RATE_LIMIT,
        telemetry_otel::TAIL_MAX_TRACES,
        telemetry_otel::TAIL_MAX_BYTES,
        telemetry_otel::TAIL_DECISION_TIMEOUT_MS,
        telemetry_otel::TAIL_DECIDED_EARLY_ATTRIBUTE,
    ] {
        assert!(DOC.contains(var), "docs/deploy.md does not name {var}");
    }
}
