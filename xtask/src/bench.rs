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

mod figures;
mod rows;
mod table;

use std::collections::HashMap;
use std::time::SystemTime;

use figures::{Overrides, REPEATED, collect_medians, criterion_home, safe};

use crate::workspace_root;
use table::{machine, render, splice, today};

const PACKAGE: &str = "agent-telemetry-benches";

/// Runs the suite and rewrites README's table.
pub(crate) fn run(
    quick: bool,
    cargo: impl Fn(&[&str], &[(&str, String)]) -> Result<(), String>,
) -> Result<(), String> {
    let root = workspace_root();
    let home = criterion_home();
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
