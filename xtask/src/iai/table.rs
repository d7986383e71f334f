//! README's instruction-count table: each hot path's Callgrind instructions per operation,
//! and its ratio to what users would run instead (the `peers` rows), from
//! `tests/iai/baselines.json`.
//!
//! Instruction counts do not depend on the machine's load, so the ratio targets of
//! the Performance section are held here; the wall-clock table above it keeps the figures
//! only a clock gives (throughput, latency percentiles, memory). The table sits between
//! `<!-- iai:start -->` and `<!-- iai:end -->`; `cargo xtask iai --update-baselines`
//! rewrites it with the baselines, and a test keeps the two in step.

use super::Baselines;
use crate::readme_table::{group_thousands, replace_between};

const START: &str = "<!-- iai:start -->";
const END: &str = "<!-- iai:end -->";

/// What a row is held to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    None,
    /// This row's instructions ÷ the reference's at most this.
    MaxRatio(f64),
    /// The reference's instructions ÷ this row's at least this.
    MinSpeedup(f64),
}

/// How a row's figure is taken from the baselines.
#[derive(Clone, Copy)]
enum Figure {
    /// Instructions per operation of one row.
    Row(&'static str),
    /// One row's per-operation instructions minus another's: a layer's own cost, without
    /// the router both stacks share.
    Minus(&'static str, &'static str),
}

struct Line {
    what: &'static str,
    figure: Figure,
    reference: Option<(&'static str, Figure)>,
    target: Target,
}

const OTEL_SCOPE: &str = "otel::scope_2_attributes_1_event";
const RAW_SDK: &str = "peers::raw_sdk_attached_span_2_attributes_1_event";
const TRACING_OTEL: &str = "peers::tracing_otel_span_2_fields_1_event";
const REGISTRY: &str = "peers::tracing_registry_span_2_fields_1_event";
const LAYER: &str = "tracing_layer::layer_span_2_fields_1_event";
const HTTP: &str = "http_server::server_layer_otel";
const TOWER_HTTP: &str = "peers::tower_http_trace_otel";
const ROUTER: &str = "peers::router_no_layer";
const GENAI_PRICED: &str = "genai::chat_span_priced";
const GENAI_UNPRICED: &str = "genai::chat_span_unpriced";

const LINES: &[Line] = &[
    Line {
        what: "NoOp scope enter+exit (`Telemetry::noop()` handle)",
        figure: Figure::Row("noop::scope"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "NoOp log call, literal `attrs!`",
        figure: Figure::Row("noop::log"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "Basic scope enter+exit",
        figure: Figure::Row("basic::basic_scope"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "OpenTelemetry nested scope → span, 2 attributes + 1 log event",
        figure: Figure::Row(OTEL_SCOPE),
        reference: Some((
            "raw SDK: span with 2 attributes made current, 1 event, ended",
            Figure::Row(RAW_SDK),
        )),
        target: Target::MaxRatio(1.05),
    },
    Line {
        what: "OpenTelemetry nested scope → span, 2 attributes + 1 log event",
        figure: Figure::Row(OTEL_SCOPE),
        reference: Some((
            "`tracing` + `tracing-opentelemetry`: span with 2 fields + 1 event",
            Figure::Row(TRACING_OTEL),
        )),
        target: Target::MinSpeedup(4.0),
    },
    Line {
        what: "`tracing` span, 2 fields + 1 event, through `TelemetryLayer` into this OpenTelemetry",
        figure: Figure::Row(LAYER),
        reference: Some((
            "`tracing` + `tracing-opentelemetry`, same span",
            Figure::Row(TRACING_OTEL),
        )),
        target: Target::MinSpeedup(1.8),
    },
    Line {
        what: "the same span, `tracing-subscriber` registry alone (the floor under both)",
        figure: Figure::Row(REGISTRY),
        reference: Some((
            "`tracing` + `tracing-opentelemetry`, same span",
            Figure::Row(TRACING_OTEL),
        )),
        target: Target::None,
    },
    Line {
        what: "HTTP request through `HttpServerLayer` into this OpenTelemetry (axum, in-process)",
        figure: Figure::Row(HTTP),
        reference: Some((
            "`tower-http` `TraceLayer` + `tracing-opentelemetry`, same router",
            Figure::Row(TOWER_HTTP),
        )),
        target: Target::None,
    },
    Line {
        what: "`HttpServerLayer`'s own cost (the request minus the bare router)",
        figure: Figure::Minus(HTTP, ROUTER),
        reference: Some((
            "`TraceLayer` + `tracing-opentelemetry`'s own cost",
            Figure::Minus(TOWER_HTTP, ROUTER),
        )),
        target: Target::MinSpeedup(2.0),
    },
    Line {
        what: "the bare router, no layer",
        figure: Figure::Row(ROUTER),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "GenAI `chat` span with token usage, priced model: the price look-up, the cost \
               attribute and the cost counter on top",
        figure: Figure::Row(GENAI_PRICED),
        reference: Some((
            "the same span for a model without a price",
            Figure::Row(GENAI_UNPRICED),
        )),
        target: Target::None,
    },
    Line {
        what: "OpenTelemetry counter by handle",
        figure: Figure::Row("otel::counter"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "OpenTelemetry counter by handle, 3 attributes",
        figure: Figure::Row("otel::counter_3_attributes"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "default redactor, 4 KB agent message, no secret",
        figure: Figure::Row("redact::default_4k_no_secret"),
        reference: None,
        target: Target::None,
    },
    Line {
        what: "default redactor, 4 KB agent message, 8 secrets",
        figure: Figure::Row("redact::default_4k_8_secrets"),
        reference: None,
        target: Target::None,
    },
];

fn per_op(baselines: &Baselines, row: &str) -> Result<f64, String> {
    let &(iterations, instructions) = baselines
        .get(row)
        .ok_or_else(|| format!("tests/iai/baselines.json has no row `{row}`"))?;
    Ok(instructions as f64 / iterations.max(1) as f64)
}

fn value(baselines: &Baselines, figure: Figure) -> Result<f64, String> {
    match figure {
        Figure::Row(row) => per_op(baselines, row),
        Figure::Minus(a, b) => Ok(per_op(baselines, a)? - per_op(baselines, b)?),
    }
}

/// `v` rounded to a whole number, its thousands grouped.
fn thousands(v: f64) -> String {
    group_thousands(v.round() as i64)
}

/// The table, from the baselines. Errors name a row the table needs and the file lacks.
pub(super) fn render(baselines: &Baselines) -> Result<String, String> {
    let mut out = String::from(
        "Instructions per operation (Valgrind Callgrind `Ir`) from `tests/iai/baselines.json`, \
         recorded by `cargo xtask iai --update-baselines`: the same counts on every run of the \
         same build (toolchain, Cargo.lock, machine kind), whatever the load. Ratio = this row \
         ÷ reference; a speedup is reference ÷ this row.\n\n\
         | hot path | instructions/op | reference | reference's instructions/op | ratio | target | met? |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for line in LINES {
        let v = value(baselines, line.figure)?;
        let (reference, reference_v, ratio) = match line.reference {
            None => ("–".to_owned(), "–".to_owned(), None),
            Some((what, figure)) => {
                let r = value(baselines, figure)?;
                (what.to_owned(), thousands(r), Some(v / r))
            }
        };
        let ratio_text = ratio.map_or_else(
            || "–".to_owned(),
            |q| {
                if q < 1.0 {
                    format!("{q:.2}× ({:.2}× fewer)", 1.0 / q)
                } else {
                    format!("{q:.2}×")
                }
            },
        );
        let (target, met) = match (line.target, ratio) {
            (Target::MaxRatio(t), Some(q)) => (format!("≤ {t:.2}×"), Some(q <= t)),
            (Target::MinSpeedup(t), Some(q)) => (format!("≥ {t:.1}× fewer"), Some(1.0 / q >= t)),
            _ => ("–".to_owned(), None),
        };
        let met = match met {
            None => "–",
            Some(true) => "yes",
            Some(false) => "**no**",
        };
        out.push_str(&format!(
            "| {} | {} | {reference} | {reference_v} | {ratio_text} | {target} | {met} |\n",
            line.what,
            thousands(v),
        ));
    }
    Ok(out)
}

/// `readme` with the table between the markers replaced by `table`; `None` when the markers
/// are missing.
pub(super) fn splice(readme: &str, table: &str) -> Option<String> {
    replace_between(readme, START, END, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_file(path: &str) -> String {
        let p = crate::workspace_root().join(path);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn readme_table_matches_the_committed_baselines() {
        let baselines =
            super::super::read_baselines(&super::super::baselines_path(&crate::workspace_root()))
                .unwrap();
        let readme = workspace_file("README.md");
        let table = render(&baselines).unwrap();
        let expected = splice(&readme, &table).expect("README.md has the iai markers");
        assert!(
            readme == expected,
            "README.md's instruction-count table differs from tests/iai/baselines.json: \
             run `cargo xtask iai --update-baselines` (or paste this table):\n{table}"
        );
    }

    #[test]
    fn ratios_speedups_and_targets() {
        let b = Baselines::from([
            (OTEL_SCOPE.into(), (1000, 4_200_000)),
            (RAW_SDK.into(), (1000, 4_000_000)),
            (TRACING_OTEL.into(), (1000, 12_000_000)),
            (REGISTRY.into(), (1000, 1_000_000)),
            (LAYER.into(), (1000, 6_000_000)),
            (HTTP.into(), (100, 2_000_000)),
            (TOWER_HTTP.into(), (100, 3_000_000)),
            (ROUTER.into(), (100, 1_000_000)),
            ("noop::scope".into(), (1000, 27_000)),
            ("noop::log".into(), (1000, 15_000)),
            ("basic::basic_scope".into(), (1000, 500_000)),
            ("otel::counter".into(), (1000, 75_000)),
            ("otel::counter_3_attributes".into(), (1000, 530_000)),
            ("redact::default_4k_no_secret".into(), (10, 3_724_668)),
            ("redact::default_4k_8_secrets".into(), (10, 6_412_846)),
            (GENAI_PRICED.into(), (1000, 17_000_000)),
            (GENAI_UNPRICED.into(), (1000, 16_000_000)),
        ]);
        let t = render(&b).unwrap();
        // 4,200 / 4,000 = 1.05: met exactly at the bound.
        assert!(t.contains("| 4,200 | raw SDK"), "{t}");
        assert!(t.contains("| 1.05× | ≤ 1.05× | yes |"), "{t}");
        // 12,000 / 4,200 = 2.86× fewer: short of 4.
        assert!(
            t.contains("0.35× (2.86× fewer) | ≥ 4.0× fewer | **no** |"),
            "{t}"
        );
        // The layer: 12,000 / 6,000 = 2× fewer, target 1.8.
        assert!(
            t.contains("0.50× (2.00× fewer) | ≥ 1.8× fewer | yes |"),
            "{t}"
        );
        // Own cost: (20,000 − 10,000) vs (30,000 − 10,000) = 2× fewer.
        assert!(t.contains("| 10,000 | `TraceLayer`"), "{t}");
        assert!(
            t.contains("| 20,000 | 0.50× (2.00× fewer) | ≥ 2.0× fewer | yes |"),
            "{t}"
        );
        assert!(t.contains("| 372,467 |"), "{t}");
        let mut missing = b;
        missing.remove(ROUTER);
        assert_eq!(
            render(&missing).unwrap_err(),
            format!("tests/iai/baselines.json has no row `{ROUTER}`")
        );
    }

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let readme = format!("a\n{START}\nold\n{END}\nb\n");
        assert_eq!(
            splice(&readme, "new\n").unwrap(),
            format!("a\n{START}\nnew\n{END}\nb\n")
        );
        assert_eq!(splice("no markers", "x"), None);
    }
}
