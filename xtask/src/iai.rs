//! `cargo xtask iai [--update-baselines]`: the instruction-count regression guard.
//!
//! Runs `tests/iai` (package `agent-telemetry-iai`, every file in its `benches/`) under Valgrind's
//! Callgrind with gungraun, reads each benchmark's summary from gungraun's JSON output (one
//! object per line on stdout: `module_path`, `id`, and the Callgrind profile's total `Ir`),
//! and compares every row with `tests/iai/baselines.json`:
//!
//! - a gated row whose count grew by more than [`LIMIT_PCT`] fails the run, naming the row, its
//!   baseline, its count now and the growth in percent;
//! - a gated row without a baseline, or a baseline without a row, fails too (a row was added
//!   or renamed: record it deliberately);
//! - rows in the `peers` group (what users would run instead) are reported, never gated.
//!
//! `--update-baselines` writes the counts of this run into the file instead of comparing. That
//! is a deliberate change: commit it alone or with the change that moved the counts, and say
//! why in the message.
//!
//! Counts depend on the toolchain, the dependency versions (Cargo.lock) and the machine kind
//! (glibc and the `memchr`/`regex` code paths chosen from the CPU's features); not on load.
//! Valgrind (Debian package `valgrind`) must be installed; `gungraun-runner` is installed with
//! `cargo install gungraun-runner --version <the library's> --locked` when it is missing or
//! of another version than the `gungraun` library in Cargo.lock.

mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::{cargo_bin, workspace_root};

const PACKAGE: &str = "agent-telemetry-iai";
/// Growth over the baseline that fails the run, in percent.
const LIMIT_PCT: f64 = 3.0;
/// Rows of this group are references: reported, never gated.
const REFERENCE_GROUP: &str = "peers";

/// One measured row: `<group>::<benchmark>`, its operation count and its instructions.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    iterations: u64,
    instructions: u64,
}

impl Row {
    fn gated(&self) -> bool {
        !self.name.starts_with(&format!("{REFERENCE_GROUP}::"))
    }

    fn per_op(&self) -> f64 {
        self.instructions as f64 / self.iterations.max(1) as f64
    }
}

fn baselines_path(root: &Path) -> PathBuf {
    root.join("tests").join("iai").join("baselines.json")
}

/// Runs the guard; with `update`, rewrites the baselines instead of comparing.
pub(crate) fn run(update: bool) -> Result<(), String> {
    let root = workspace_root();
    ensure_valgrind()?;
    ensure_runner(&root)?;
    let rows = measure()?;
    let path = baselines_path(&root);
    if update {
        write_baselines(&path, &rows)?;
        eprintln!(
            "xtask: wrote {} rows to {}; commit it with a message that says why the counts moved",
            rows.len(),
            path.display()
        );
        print_table(&rows, &BTreeMap::new());
        return write_readme(&root, &read_baselines(&path)?);
    }
    let baselines = read_baselines(&path)?;
    print_table(&rows, &baselines);
    let failures = compare(&rows, &baselines);
    if failures.is_empty() {
        println!(
            "iai: {} rows within {LIMIT_PCT}% of their baselines",
            rows.iter().filter(|r| r.gated()).count()
        );
        Ok(())
    } else {
        for f in &failures {
            eprintln!("iai: {f}");
        }
        Err(format!(
            "{} of {} gated rows regressed or lack a baseline (limit +{LIMIT_PCT}% instructions). \
             If the change is intended, run `cargo xtask iai --update-baselines` and commit \
             tests/iai/baselines.json saying why.",
            failures.len(),
            rows.iter().filter(|r| r.gated()).count()
        ))
    }
}

/// Rewrites README's instruction-count table from `baselines`.
fn write_readme(root: &Path, baselines: &Baselines) -> Result<(), String> {
    let path = root.join("README.md");
    let readme = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let spliced = table::splice(&readme, &table::render(baselines)?).ok_or_else(|| {
        format!(
            "{} lacks the `<!-- iai:start -->` and `<!-- iai:end -->` markers for the \
             instruction-count table",
            path.display()
        )
    })?;
    std::fs::write(&path, spliced)
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    eprintln!(
        "xtask: wrote the instruction-count table to {}",
        path.display()
    );
    Ok(())
}

/// Installs Valgrind (Debian package `valgrind`) when it is missing, as `cargo xtask test`
/// installs the browser test's packages.
fn ensure_valgrind() -> Result<(), String> {
    let ok = || {
        Command::new("valgrind")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ok() {
        return Ok(());
    }
    crate::apt::install("the instruction-count guard", &["valgrind"])
        .map_err(|skip| format!("valgrind is not installed and could not be: {}", skip.why))?;
    if ok() {
        Ok(())
    } else {
        Err("valgrind was installed but does not run (`valgrind --version` failed)".into())
    }
}

/// The `gungraun` library's version in Cargo.lock.
fn library_version(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("could not read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"gungraun\"" {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    Err("Cargo.lock has no `gungraun` package (tests/iai depends on it)".into())
}

fn runner_version() -> Option<String> {
    let out = Command::new("gungraun-runner")
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    // "gungraun-runner 0.20.0"
    String::from_utf8(out.stdout)
        .ok()?
        .split_whitespace()
        .nth(1)
        .map(str::to_owned)
}

/// Installs `gungraun-runner` at the library's version when it is missing or differs (the
/// library refuses to run with another runner version).
fn ensure_runner(root: &Path) -> Result<(), String> {
    let wanted = library_version(root)?;
    match runner_version() {
        Some(v) if v == wanted => return Ok(()),
        Some(v) => eprintln!("xtask: gungraun-runner {v} is installed, the library is {wanted}"),
        None => eprintln!("xtask: gungraun-runner is not installed"),
    }
    eprintln!(
        "xtask: installing it with `cargo install gungraun-runner --version {wanted} --locked` \
         (a few minutes)"
    );
    let status = Command::new(cargo_bin())
        .args([
            "install",
            "gungraun-runner",
            "--version",
            &wanted,
            "--locked",
        ])
        .status()
        .map_err(|e| format!("could not start cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`cargo install gungraun-runner --version {wanted} --locked` failed with {status}"
        ))
    }
}

/// Runs the benchmarks and collects one row per benchmark from gungraun's JSON lines.
fn measure() -> Result<Vec<Row>, String> {
    let args = [
        "bench",
        "--package",
        PACKAGE,
        "--benches",
        "--",
        "--output-format=json",
    ];
    eprintln!("xtask: cargo {}", args.join(" "));
    let out = Command::new(cargo_bin())
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo bench: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // Whatever gungraun said (its errors are JSON-less text on stdout too).
        eprintln!("{stdout}");
        return Err(format!(
            "cargo bench --package {PACKAGE} failed with {}",
            out.status
        ));
    }
    let mut rows = Vec::new();
    for line in stdout.lines().filter(|l| l.trim_start().starts_with('{')) {
        let summary: Value = serde_json::from_str(line)
            .map_err(|e| format!("gungraun printed a line that is not JSON ({e}): {line}"))?;
        rows.push(parse_summary(&summary)?);
    }
    if rows.is_empty() {
        return Err(format!(
            "gungraun reported no benchmark; its output was:\n{stdout}"
        ));
    }
    Ok(rows)
}

/// A row from one gungraun summary: the name is `module_path` without the bench file's name
/// (`hot_paths::otel::counter` → `otel::counter`), the iteration count is the bench id
/// (`x1000`), the count is the Callgrind total's `Ir`.
fn parse_summary(summary: &Value) -> Result<Row, String> {
    let module = summary["module_path"]
        .as_str()
        .ok_or("a gungraun summary without `module_path`")?;
    let name = module
        .split_once("::")
        .map_or(module, |(_, rest)| rest)
        .to_owned();
    let id = summary["id"].as_str().unwrap_or("x1");
    let iterations = id
        .strip_prefix('x')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{name}: bench id `{id}` is not `x<iterations>`"))?;
    let profiles = summary["profiles"]
        .as_array()
        .ok_or_else(|| format!("{name}: a summary without `profiles`"))?;
    let callgrind = profiles
        .iter()
        .find(|p| p["tool"] == "Callgrind")
        .ok_or_else(|| format!("{name}: no Callgrind profile in the summary"))?;
    let instructions = callgrind["data"]["total"]["metrics"]["Ir"]["values"]["new"]
        .as_u64()
        .ok_or_else(|| {
            format!("{name}: no instruction count (Ir) in the Callgrind summary: {callgrind}")
        })?;
    Ok(Row {
        name,
        iterations,
        instructions,
    })
}

/// Baselines: row name → (iterations, instructions).
type Baselines = BTreeMap<String, (u64, u64)>;

fn read_baselines(path: &Path) -> Result<Baselines, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "could not read {}: {e}; record baselines with `cargo xtask iai --update-baselines`",
            path.display()
        )
    })?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    let rows = value["rows"].as_object().ok_or_else(|| {
        format!(
            "{}: expected an object `rows` of `{{\"iterations\": n, \"instructions\": n}}`",
            path.display()
        )
    })?;
    rows.iter()
        .map(|(name, row)| {
            let field = |f: &str| {
                row[f].as_u64().ok_or_else(|| {
                    format!("{}: row `{name}` needs an integer `{f}`", path.display())
                })
            };
            Ok((name.clone(), (field("iterations")?, field("instructions")?)))
        })
        .collect()
}

fn write_baselines(path: &Path, rows: &[Row]) -> Result<(), String> {
    let mut map = serde_json::Map::new();
    for r in rows {
        map.insert(
            r.name.clone(),
            json!({"iterations": r.iterations, "instructions": r.instructions}),
        );
    }
    let doc = json!({
        "about": "Instructions (Callgrind Ir) of each tests/iai benchmark for `iterations` \
                  operations. `cargo xtask iai` fails when a row outside `peers` grows by more \
                  than 3 %. Rewritten only by `cargo xtask iai --update-baselines`, in a commit \
                  that says why the counts moved.",
        "rows": map,
    });
    std::fs::write(path, format!("{doc:#}\n"))
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// Growth of `now` over `base`, in percent.
fn growth_pct(base: u64, now: u64) -> f64 {
    (now as f64 - base as f64) / base.max(1) as f64 * 100.0
}

/// Everything that fails the guard, each as one line naming the row.
fn compare(rows: &[Row], baselines: &Baselines) -> Vec<String> {
    let mut failures = Vec::new();
    for r in rows.iter().filter(|r| r.gated()) {
        match baselines.get(&r.name) {
            None => failures.push(format!(
                "{}: no baseline (a new or renamed row): record it with \
                 `cargo xtask iai --update-baselines`",
                r.name
            )),
            Some(&(iterations, _)) if iterations != r.iterations => failures.push(format!(
                "{}: runs {} operations, its baseline {iterations}: update the baseline",
                r.name, r.iterations
            )),
            Some(&(_, base)) => {
                let pct = growth_pct(base, r.instructions);
                if pct > LIMIT_PCT {
                    failures.push(format!(
                        "{} regressed: {} instructions, baseline {base}: {pct:+.2}% \
                         ({:.0} → {:.0} per operation; limit +{LIMIT_PCT}%)",
                        r.name,
                        r.instructions,
                        base as f64 / r.iterations.max(1) as f64,
                        r.per_op(),
                    ));
                }
            }
        }
    }
    for name in baselines.keys() {
        let gated = !name.starts_with(&format!("{REFERENCE_GROUP}::"));
        if gated && !rows.iter().any(|r| &r.name == name) {
            failures.push(format!(
                "{name}: has a baseline but did not run (removed or renamed): update the baselines"
            ));
        }
    }
    failures
}

fn print_table(rows: &[Row], baselines: &Baselines) {
    println!(
        "{:<52} {:>8} {:>14} {:>12} {:>9}",
        "row", "ops", "instructions", "per op", "vs base"
    );
    for r in rows {
        let change = baselines.get(&r.name).map_or_else(
            || "new".to_owned(),
            |&(_, base)| format!("{:+.2}%", growth_pct(base, r.instructions)),
        );
        let note = if r.gated() { "" } else { "  (reference)" };
        println!(
            "{:<52} {:>8} {:>14} {:>12.0} {:>9}{note}",
            r.name,
            r.iterations,
            r.instructions,
            r.per_op(),
            change
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, instructions: u64) -> Row {
        Row {
            name: name.into(),
            iterations: 1000,
            instructions,
        }
    }

    #[test]
    fn growth_over_the_limit_fails_naming_the_row_and_the_percentage() {
        let baselines = Baselines::from([("basic::basic_scope".into(), (1000, 100_000))]);
        let failures = compare(&[row("basic::basic_scope", 103_500)], &baselines);
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].starts_with("basic::basic_scope regressed"),
            "{failures:?}"
        );
        assert!(failures[0].contains("+3.50%"), "{failures:?}");
        assert!(compare(&[row("basic::basic_scope", 103_000)], &baselines).is_empty());
        assert!(compare(&[row("basic::basic_scope", 50_000)], &baselines).is_empty());
    }

    #[test]
    fn peers_are_never_gated_and_missing_baselines_fail() {
        let baselines = Baselines::from([("peers::raw".into(), (1000, 1))]);
        assert!(compare(&[row("peers::raw", 10)], &baselines).is_empty());
        let failures = compare(&[row("otel::counter", 10)], &Baselines::new());
        assert!(failures[0].contains("no baseline"), "{failures:?}");
        let gone = Baselines::from([("otel::gone".into(), (1000, 1))]);
        assert!(compare(&[], &gone)[0].contains("did not run"));
    }
}
