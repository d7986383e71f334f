//! Rendering the table and splicing it into README.md between its markers.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use super::figures::{Figure, Overrides, REPEATED, read};
use super::rows::{ROWS, Target};
use crate::readme_table::{group_thousands, replace_between};

pub(super) const START: &str = "<!-- bench:start -->";
pub(super) const END: &str = "<!-- bench:end -->";

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

fn fmt_target(t: Target, unit: &str) -> String {
    match t {
        Target::None => "–".into(),
        Target::MaxNs(ns) => format!("≤ {ns} ns"),
        Target::Max(v) => format!("≤ {v} {unit}"),
        Target::Min(v) => format!("≥ {} {unit}", group_thousands(v as i64)),
        Target::MaxRatio(r) => format!("≤ {r:.2}×"),
        Target::MinRatio(r) => format!("≥ {r:.2}×"),
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
        Target::MinRatio(r) => reference.map(|re| value / re >= r),
        Target::MinSpeedup(s) => reference.map(|re| re / value >= s),
    }
}

pub(super) fn machine() -> String {
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

pub(super) fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".to_owned(), |s| s.trim().to_owned())
}

pub(super) fn render(
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
pub(super) fn splice(readme: &str, table: &str) -> String {
    if let Some(spliced) = replace_between(readme, START, END, table) {
        return spliced;
    }
    let block = format!("{START}\n{table}{END}");
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
        assert_eq!(met(Target::MinRatio(0.95), 95.0, Some(100.0)), Some(true));
        assert_eq!(met(Target::MinRatio(0.95), 94.0, Some(100.0)), Some(false));
    }
}
