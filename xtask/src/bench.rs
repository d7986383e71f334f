//! `cargo xtask bench [--quick]`: runs the benchmark suite (`tests/benches`, package
//! `agent-telemetry-benches`) and rewrites README's Performance table.
//!
//! Criterion times come from `<criterion home>/<group>/<case>/new/estimates.json` (the median
//! point estimate, in ns); the suite's other figures (allocations, spans/s, MiB, µs) from
//! `<criterion home>/agent-telemetry/<group>/<case>.json`. Only files written by this run are
//! read: a case that did not run shows as "not run", never as an old figure. The criterion
//! home is `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else `target/criterion` in
//! the workspace, as criterion itself chooses; it is passed to the suite explicitly.
//!
//! The table sits between `<!-- bench:start -->` and `<!-- bench:end -->` under
//! `## Performance`; the section is appended to README.md when missing, and nothing else in
//! the file changes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use serde_json::Value;

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";
const PACKAGE: &str = "agent-telemetry-benches";

/// Where a figure comes from.
#[derive(Clone, Copy)]
enum Source {
    /// A criterion case: `group/case`, time per operation in ns.
    Criterion(&'static str, &'static str),
    /// A figure the suite recorded itself: `group/case`, with its unit.
    Extra(&'static str, &'static str),
}

/// The target a row is held to.
#[derive(Clone, Copy)]
enum Target {
    None,
    /// At most this many ns per operation.
    MaxNs(f64),
    /// At most this value (allocations, drops), in the row's unit.
    Max(f64),
    /// At least this value (spans/s), in the row's unit.
    Min(f64),
    /// value / reference at most this.
    MaxRatio(f64),
    /// reference / value at least this ("N× faster").
    MinSpeedup(f64),
}

struct Row {
    group: &'static str,
    case: &'static str,
    value: Source,
    reference: Option<(&'static str, Source)>,
    target: Target,
}

const fn row(
    group: &'static str,
    case: &'static str,
    value: Source,
    reference: Option<(&'static str, Source)>,
    target: Target,
) -> Row {
    Row {
        group,
        case,
        value,
        reference,
        target,
    }
}

use Source::{Criterion as C, Extra as X};

// References that several rows share.
const TRACING_SPAN: Option<(&str, Source)> = Some((
    "`tracing` span, no subscriber",
    C("disabled", "tracing_span"),
));
const TRACING_EVENT: Option<(&str, Source)> = Some((
    "`tracing` event, no subscriber",
    C("disabled", "tracing_event"),
));
const OTEL_NOOP_COUNTER: Option<(&str, Source)> =
    Some(("OTel no-op API counter", C("disabled", "otel_noop_counter")));
const FASTRACE_SPAN: Option<(&str, Source)> =
    Some(("fastrace local span", C("basic", "fastrace_local_span")));
const METRICS_HANDLE: Option<(&str, Source)> = Some((
    "`metrics` counter handle",
    C("basic", "metrics_counter_handle"),
));

/// The table: what each case is compared against and the issue #7 target it must meet.
const ROWS: &[Row] = &[
    // 1. Disabled path.
    row(
        "disabled",
        "NoOp scope enter+exit (`Telemetry::noop()` handle)",
        C("disabled", "noop_scope"),
        TRACING_SPAN,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp scope enter+exit (`Arc<dyn ContextualCorrelator>`)",
        C("disabled", "noop_scope_dyn"),
        TRACING_SPAN,
        Target::None,
    ),
    row(
        "disabled",
        "NoOp scope enter+exit (`NoOpCorrelator`, static)",
        C("disabled", "noop_scope_static"),
        TRACING_SPAN,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp scope enter+exit: allocations",
        X("disabled", "noop_scope_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp log call, literal `attrs!` (a constant)",
        C("disabled", "noop_log"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call (`NoOpLogger`, static), literal `attrs!`",
        C("disabled", "noop_log_static"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, `attrs!` with a run-time value (built per call)",
        C("disabled", "noop_log_runtime"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, `info!` macro with that run-time value (built only when enabled)",
        C("disabled", "noop_log_macro"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call, attributes prepared",
        C("disabled", "noop_log_prepared"),
        TRACING_EVENT,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp log call: allocations",
        X("disabled", "noop_log_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, literal `attrs!` (a constant)",
        C("disabled", "noop_counter"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, `attrs!` with a run-time value (built per call)",
        C("disabled", "noop_counter_runtime"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, `add!` macro with that run-time value (built only for a live handle)",
        C("disabled", "noop_counter_macro"),
        OTEL_NOOP_COUNTER,
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter by handle, attributes prepared",
        C("disabled", "noop_counter_prepared"),
        Some((
            "`metrics` handle, no recorder",
            C("disabled", "metrics_counter"),
        )),
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "NoOp counter: allocations",
        X("disabled", "noop_counter_allocs"),
        None,
        Target::Max(0.0),
    ),
    row(
        "disabled",
        "NoOp counter by name, literal `attrs!`",
        C("disabled", "noop_counter_by_name"),
        Some((
            "`metrics::counter!`, no recorder",
            C("disabled", "metrics_counter_macro"),
        )),
        Target::MaxNs(2.0),
    ),
    row(
        "disabled",
        "OTel no-op API span start+end",
        C("disabled", "otel_noop_span"),
        None,
        Target::None,
    ),
    // 2. Basic.
    row(
        "basic",
        "scope enter+exit",
        C("basic", "scope"),
        FASTRACE_SPAN,
        Target::MaxNs(60.0),
    ),
    row(
        "basic",
        "scope enter+exit through `Arc<dyn ContextualCorrelator>`",
        C("basic", "scope_dyn"),
        FASTRACE_SPAN,
        Target::MaxNs(60.0),
    ),
    row(
        "basic",
        "scope with 2 attributes",
        C("basic", "scope_2_attributes"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "async scope (`scoped`, polled to completion)",
        C("basic", "scope_async"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "nested scopes, depth 3",
        C("basic", "scope_nested_3"),
        FASTRACE_SPAN,
        Target::None,
    ),
    row(
        "basic",
        "text log call to a discarding sink",
        C("basic", "log_text_sink"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "log call below the level",
        C("basic", "log_disabled_level"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "counter by handle",
        C("basic", "counter"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "counter by handle, 1 attribute",
        C("basic", "counter_1_attribute"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "counter by name, 1 attribute",
        C("basic", "counter_by_name"),
        METRICS_HANDLE,
        Target::None,
    ),
    row(
        "basic",
        "histogram by handle",
        C("basic", "histogram"),
        None,
        Target::None,
    ),
    row(
        "basic",
        "histogram by handle, 1 attribute",
        C("basic", "histogram_1_attribute"),
        None,
        Target::None,
    ),
    // 3. OpenTelemetry.
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "raw SDK, span made current (same work)",
            C("otel", "raw_sdk_attached_span_2_attributes_1_event"),
        )),
        Target::MaxRatio(1.15),
    ),
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "raw SDK, span value only (least work)",
            C("otel", "raw_sdk_span_2_attributes_1_event"),
        )),
        Target::MaxRatio(1.15),
    ),
    row(
        "otel",
        "nested scope → span, 2 attributes + 1 log event",
        C("otel", "scope_2_attributes_1_event"),
        Some((
            "`tracing` + `tracing-opentelemetry`",
            C("otel", "tracing_otel_span_2_attributes_1_event"),
        )),
        Target::MinSpeedup(3.0),
    ),
    row(
        "otel",
        "nested scope → span, nothing else",
        C("otel", "scope"),
        Some(("raw SDK span", C("otel", "raw_sdk_span"))),
        Target::None,
    ),
    row(
        "otel",
        "counter by handle",
        C("otel", "counter"),
        Some(("raw SDK counter", C("otel", "raw_sdk_counter"))),
        Target::MaxRatio(1.1),
    ),
    row(
        "otel",
        "counter by handle, 3 attributes",
        C("otel", "counter_3_attributes"),
        Some((
            "raw SDK counter, 3 attributes",
            C("otel", "raw_sdk_counter_3_attributes"),
        )),
        Target::None,
    ),
    row(
        "otel",
        "counter by name",
        C("otel", "counter_by_name"),
        Some(("raw SDK counter", C("otel", "raw_sdk_counter"))),
        Target::None,
    ),
    row(
        "otel",
        "histogram by handle (seconds)",
        C("otel", "histogram"),
        Some(("raw SDK histogram", C("otel", "raw_sdk_histogram"))),
        Target::None,
    ),
    // 4. Export.
    row(
        "export",
        "OTLP gRPC throughput, full speed (spans/s)",
        X("export", "throughput_max"),
        None,
        Target::Min(100_000.0),
    ),
    row(
        "export",
        "dropped at full speed (the 2048 queue overflows while the app emits faster than export)",
        X("export", "throughput_max_drops"),
        None,
        Target::None,
    ),
    row(
        "export",
        "OTLP gRPC throughput, paced at 100,000 spans/s (spans/s)",
        X("export", "throughput_paced_100k"),
        None,
        Target::None,
    ),
    row(
        "export",
        "drops paced at 100,000 spans/s",
        X("export", "throughput_paced_100k_drops"),
        None,
        Target::Max(0.0),
    ),
    row(
        "export",
        "peak RSS, 1,000,000 spans, collector down",
        X("export", "rss_collector_down_peak"),
        None,
        Target::None,
    ),
    row(
        "export",
        "RSS growth over those 1,000,000 spans",
        X("export", "rss_collector_down_growth"),
        None,
        Target::None,
    ),
    row(
        "export",
        "emit rate with the collector down (spans/s)",
        X("export", "collector_down_emit_rate"),
        None,
        Target::None,
    ),
    // 5. Server overhead.
    row(
        "server",
        "p50 turn latency, NoOp",
        X("server", "noop_p50"),
        None,
        Target::None,
    ),
    row(
        "server",
        "p50 turn latency, Basic",
        X("server", "basic_p50"),
        Some(("NoOp", X("server", "noop_p50"))),
        Target::None,
    ),
    row(
        "server",
        "p50 turn latency, OpenTelemetry",
        X("server", "otel_p50"),
        Some(("NoOp", X("server", "noop_p50"))),
        Target::MaxRatio(1.10),
    ),
    row(
        "server",
        "p99 turn latency, NoOp",
        X("server", "noop_p99"),
        None,
        Target::None,
    ),
    row(
        "server",
        "p99 turn latency, Basic",
        X("server", "basic_p99"),
        Some(("NoOp", X("server", "noop_p99"))),
        Target::None,
    ),
    row(
        "server",
        "p99 turn latency, OpenTelemetry",
        X("server", "otel_p99"),
        Some(("NoOp", X("server", "noop_p99"))),
        Target::None,
    ),
    row(
        "server",
        "throughput, NoOp",
        X("server", "noop_throughput"),
        None,
        Target::None,
    ),
    row(
        "server",
        "throughput, Basic",
        X("server", "basic_throughput"),
        Some(("NoOp", X("server", "noop_throughput"))),
        Target::None,
    ),
    row(
        "server",
        "throughput, OpenTelemetry",
        X("server", "otel_throughput"),
        Some(("NoOp", X("server", "noop_throughput"))),
        Target::None,
    ),
];

/// A figure read back: value and unit.
struct Figure {
    value: f64,
    unit: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn criterion_home(root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir).join("criterion"),
        None => root.join("target").join("criterion"),
    }
}

/// Criterion's directory name for a case (its `make_filename_safe`).
fn safe(name: &str) -> String {
    name.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_")
}

fn read_json(path: &Path, since: SystemTime) -> Option<Value> {
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Criterion medians that replace the last run's: `(group, case directory)` → ns.
type Overrides = HashMap<(String, String), f64>;

fn read(home: &Path, source: Source, since: SystemTime, overrides: &Overrides) -> Option<Figure> {
    match source {
        Source::Criterion(group, case) => {
            if let Some(v) = overrides.get(&(safe(group), safe(case))) {
                return Some(Figure {
                    value: *v,
                    unit: "ns".into(),
                });
            }
            let path = home
                .join(safe(group))
                .join(safe(case))
                .join("new")
                .join("estimates.json");
            let v = read_json(&path, since)?;
            Some(Figure {
                value: v["median"]["point_estimate"].as_f64()?,
                unit: "ns".into(),
            })
        }
        Source::Extra(group, case) => {
            let case: String = case
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = home
                .join("agent-telemetry")
                .join(group)
                .join(format!("{case}.json"));
            let v = read_json(&path, since)?;
            Some(Figure {
                value: v["value"].as_f64()?,
                unit: v["unit"].as_str()?.to_owned(),
            })
        }
    }
}

fn fmt_value(f: &Figure) -> String {
    let v = f.value;
    let number = if f.unit == "ns" {
        if v < 10.0 {
            format!("{v:.2}")
        } else if v < 100.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        }
    } else if v.abs() >= 1000.0 {
        group_thousands(v.round() as i64)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    };
    format!("{number} {}", f.unit)
}

fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

fn fmt_target(t: Target, unit: &str) -> String {
    match t {
        Target::None => "–".into(),
        Target::MaxNs(ns) => format!("≤ {ns} ns"),
        Target::Max(v) => format!("≤ {v} {unit}"),
        Target::Min(v) => format!("≥ {} {unit}", group_thousands(v as i64)),
        Target::MaxRatio(r) => format!("≤ {r:.2}×"),
        Target::MinSpeedup(s) => format!("≥ {s}× faster"),
    }
}

/// Whether the target is met; `None` when there is no target or a figure is missing.
fn met(t: Target, value: f64, reference: Option<f64>) -> Option<bool> {
    match t {
        Target::None => None,
        Target::MaxNs(ns) => Some(value <= ns),
        Target::Max(v) => Some(value <= v),
        Target::Min(v) => Some(value >= v),
        Target::MaxRatio(r) => reference.map(|re| value / re <= r),
        Target::MinSpeedup(s) => reference.map(|re| re / value >= s),
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map_or("unknown".to_owned(), |kb| {
            format!("{:.1} GiB", kb / (1024.0 * 1024.0))
        });
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "rustc ?".to_owned(), |s| s.trim().to_owned());
    format!(
        "{cores} CPUs (nproc), {model}, {mem_gib} memory, load average {load} at the start; {rustc}"
    )
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".to_owned(), |s| s.trim().to_owned())
}

fn render(
    home: &Path,
    since: SystemTime,
    quick: bool,
    machine: &str,
    date: &str,
    overrides: &Overrides,
) -> (String, usize) {
    let mut out = String::new();
    let mode = if quick {
        "`cargo xtask bench --quick` (short warm-up and measurement: indicative)"
    } else {
        "`cargo xtask bench`"
    };
    let repeated = if quick {
        String::new()
    } else {
        let groups: Vec<String> = REPEATED
            .iter()
            .map(|(g, n)| format!("`{g}` group's are the median of {n} runs of the group"))
            .collect();
        format!(" (the {})", groups.join(", "))
    };
    let _ = writeln!(
        out,
        "Measured by {mode} on {date}: {machine}. Times are criterion medians per \
         operation{repeated}; every ratio compares figures from the same run or runs. \
         Reference = the comparison it is measured against; ratio = this row ÷ reference.\n"
    );
    out.push_str("| group | case | ns/op | reference | ratio | target | met? |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    let mut missing = 0;
    for r in ROWS {
        let value = read(home, r.value, since, overrides);
        let reference = r
            .reference
            .map(|(name, s)| (name, read(home, s, since, overrides)));
        let (value_text, unit) = match &value {
            Some(f) => (fmt_value(f), f.unit.clone()),
            None => {
                missing += 1;
                ("not run".to_owned(), String::new())
            }
        };
        let reference_text = match &reference {
            None => "–".to_owned(),
            Some((name, Some(f))) => format!("{name}: {}", fmt_value(f)),
            Some((name, None)) => format!("{name}: not run"),
        };
        let ref_value = reference
            .as_ref()
            .and_then(|(_, f)| f.as_ref())
            .map(|f| f.value);
        let ratio = match (&value, ref_value) {
            (Some(v), Some(re)) if re > 0.0 => {
                if matches!(r.target, Target::MinSpeedup(_)) {
                    format!("{:.2}× ({:.1}× faster)", v.value / re, re / v.value)
                } else {
                    format!("{:.2}×", v.value / re)
                }
            }
            _ => "–".to_owned(),
        };
        let met_text = match value
            .as_ref()
            .and_then(|v| met(r.target, v.value, ref_value))
        {
            Some(true) => "yes",
            Some(false) => "**no**",
            None if matches!(r.target, Target::None) => "–",
            None => "not run",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.group,
            r.case,
            value_text,
            reference_text,
            ratio,
            fmt_target(r.target, &unit),
            met_text
        );
    }
    (out, missing)
}

/// Replaces the text between the markers, or appends the section with markers.
fn splice(readme: &str, table: &str) -> String {
    let block = format!("{START}\n{table}{END}");
    if let (Some(s), Some(e)) = (readme.find(START), readme.find(END)) {
        if s < e {
            return format!("{}{block}{}", &readme[..s], &readme[e + END.len()..]);
        }
    }
    let mut out = readme.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    match out.find("\n## Performance\n") {
        Some(i) => {
            let after = i + "\n## Performance\n".len();
            out.insert_str(after, &format!("\n{block}\n"));
        }
        None => out.push_str(&format!("\n## Performance\n\n{block}\n")),
    }
    out
}

/// Groups whose criterion cases are measured this many times (whole group, separate
/// processes) in a full run and reported as the median: the OpenTelemetry span cases moved by
/// up to 30 % between identical runs on this 2-core machine (allocator and scheduler state),
/// which one run cannot tell apart from a real change.
const REPEATED: &[(&str, usize)] = &[("otel", 3)];

/// Adds the median of every case of `group` written since `since` to `samples`, by case
/// directory.
fn collect_medians(
    home: &Path,
    group: &str,
    since: SystemTime,
    samples: &mut HashMap<String, Vec<f64>>,
) {
    let Ok(entries) = std::fs::read_dir(home.join(safe(group))) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path().join("new").join("estimates.json");
        let median = read_json(&path, since).and_then(|v| v["median"]["point_estimate"].as_f64());
        if let Some(m) = median {
            samples
                .entry(e.file_name().to_string_lossy().into_owned())
                .or_default()
                .push(m);
        }
    }
}

/// Runs the suite and rewrites README's table.
pub(crate) fn run(
    quick: bool,
    cargo: impl Fn(&[&str], &[(&str, String)]) -> Result<(), String>,
) -> Result<(), String> {
    let root = workspace_root();
    let home = criterion_home(&root);
    let machine = machine();
    let date = today();
    // One second of slack for coarse file-system timestamps.
    let since = SystemTime::now() - std::time::Duration::from_secs(1);
    let mut args = vec!["bench", "--package", PACKAGE, "--"];
    if quick {
        args.extend([
            "--warm-up-time",
            "0.5",
            "--measurement-time",
            "1.5",
            "--noplot",
        ]);
    } else {
        args.push("--noplot");
    }
    let env = [
        ("CRITERION_HOME", home.display().to_string()),
        ("AT_BENCH_QUICK", if quick { "1" } else { "0" }.to_owned()),
    ];
    cargo(&args, &env)?;

    let mut overrides = Overrides::new();
    if !quick {
        for (group, runs) in REPEATED {
            let mut samples: HashMap<String, Vec<f64>> = HashMap::new();
            collect_medians(&home, group, since, &mut samples);
            for _ in 1..*runs {
                let bench_args = [
                    "bench",
                    "--package",
                    PACKAGE,
                    "--bench",
                    group,
                    "--",
                    "--noplot",
                ];
                cargo(&bench_args, &env)?;
                collect_medians(&home, group, since, &mut samples);
            }
            for (case, mut v) in samples {
                v.sort_by(f64::total_cmp);
                overrides.insert((safe(group), case), v[v.len() / 2]);
            }
        }
    }

    let (table, missing) = render(&home, since, quick, &machine, &date, &overrides);
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("could not read {}: {e}", readme_path.display()))?;
    std::fs::write(&readme_path, splice(&readme, &table))
        .map_err(|e| format!("could not write {}: {e}", readme_path.display()))?;
    eprintln!(
        "xtask: wrote the Performance table to {}",
        readme_path.display()
    );
    if missing > 0 {
        return Err(format!(
            "{missing} figures were not produced by this run (see \"not run\" in the table)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let readme =
            format!("# T\n\nintro\n\n## Performance\n\nnote\n\n{START}\nold\n{END}\n\n## After\n");
        let out = splice(&readme, "new\n");
        assert_eq!(
            out,
            format!("# T\n\nintro\n\n## Performance\n\nnote\n\n{START}\nnew\n{END}\n\n## After\n")
        );
    }

    #[test]
    fn splice_appends_the_section_when_absent() {
        let out = splice("# T\nbody", "t\n");
        assert_eq!(
            out,
            format!("# T\nbody\n\n## Performance\n\n{START}\nt\n{END}\n")
        );
    }

    #[test]
    fn targets_compare_the_right_way() {
        assert_eq!(met(Target::MaxRatio(1.15), 115.0, Some(100.0)), Some(true));
        assert_eq!(met(Target::MaxRatio(1.15), 116.0, Some(100.0)), Some(false));
        assert_eq!(
            met(Target::MinSpeedup(3.0), 100.0, Some(299.0)),
            Some(false)
        );
        assert_eq!(met(Target::MinSpeedup(3.0), 100.0, Some(300.0)), Some(true));
        assert_eq!(met(Target::Min(100_000.0), 99_999.0, None), Some(false));
        assert_eq!(met(Target::MaxRatio(1.1), 1.0, None), None);
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
