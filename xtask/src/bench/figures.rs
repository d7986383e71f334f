//! Reading the figures a run wrote: criterion medians and the suite's own JSON records.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::rows::Source;

/// A figure read back: value and unit.
pub(super) struct Figure {
    pub(super) value: f64,
    pub(super) unit: String,
}

pub(super) fn criterion_home() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map_or_else(|| crate::target_dir().join("criterion"), PathBuf::from)
}

/// Criterion's directory name for a case (its `make_filename_safe`).
pub(super) fn safe(name: &str) -> String {
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
pub(super) type Overrides = HashMap<(String, String), f64>;

pub(super) fn read(
    home: &Path,
    source: Source,
    since: SystemTime,
    overrides: &Overrides,
) -> Option<Figure> {
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

/// Groups whose criterion cases are measured this many times (whole group, separate
/// processes) in a full run and reported as the median: the OpenTelemetry span cases moved by
/// up to 30 % between identical runs on this 2-core machine (allocator and scheduler state),
/// which one run cannot tell apart from a real change.
pub(super) const REPEATED: &[(&str, usize)] = &[("otel", 3)];

/// Adds the median of every case of `group` written since `since` to `samples`, by case
/// directory.
pub(super) fn collect_medians(
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
