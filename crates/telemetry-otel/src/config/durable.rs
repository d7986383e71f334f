//! Delivery through outages: the export queue's byte bound, the retry window and the disk
//! spool (`AGENT_TELEMETRY_EXPORT_QUEUE_BYTES`, `AGENT_TELEMETRY_EXPORT_RETRY_WINDOW`,
//! `AGENT_TELEMETRY_SPOOL_DIR`, `AGENT_TELEMETRY_SPOOL_MAX_BYTES`). Code wins over each
//! variable; a bad value is a [`ConfigError`] naming the variable.
//!
//! These are this project's own variables: the OpenTelemetry specification defines none for
//! an exporter's queue or retry (its *OTLP Exporter* configuration covers endpoint, headers,
//! timeout, compression and TLS only), so they do not take an `OTEL_` name.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// Byte bound of each signal's in-memory export queue.
pub(crate) const QUEUE_BYTES_ENV: &str = "AGENT_TELEMETRY_EXPORT_QUEUE_BYTES";
/// How long a failing batch is retried before it is dropped (or kept on disk by the spool).
pub(crate) const RETRY_WINDOW_ENV: &str = "AGENT_TELEMETRY_EXPORT_RETRY_WINDOW";
/// The spool directory; unset means no spool.
pub(crate) const SPOOL_DIR_ENV: &str = "AGENT_TELEMETRY_SPOOL_DIR";
/// Byte bound of each signal's spool.
pub(crate) const SPOOL_MAX_BYTES_ENV: &str = "AGENT_TELEMETRY_SPOOL_MAX_BYTES";

const DEFAULT_QUEUE_BYTES: u64 = 64 << 20;
const DEFAULT_RETRY_WINDOW: Duration = Duration::from_secs(300);
const DEFAULT_SPOOL_MAX_BYTES: u64 = 256 << 20;

const BYTES_EXPECTED: &str = "a positive number of bytes, optionally with a unit: 65536, 512KiB, \
                              64MiB, 1GiB (also KB, MB, GB = powers of 1000)";
const DURATION_EXPECTED: &str = "a duration: milliseconds as a plain integer (as OTEL_* \
                                 timeouts), or a number with ms, s, m or h, e.g. 300s, 5m";

/// The resolved delivery settings, the same for every signal; the bounds apply per signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DurableSettings {
    pub(crate) queue_bytes: u64,
    pub(crate) retry_window: Duration,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) spool_max_bytes: u64,
}

impl Default for DurableSettings {
    fn default() -> Self {
        Self {
            queue_bytes: DEFAULT_QUEUE_BYTES,
            retry_window: DEFAULT_RETRY_WINDOW,
            spool_dir: None,
            spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
        }
    }
}

/// What code set (the builder's `with_export_queue_bytes`, `with_export_retry_window`,
/// `with_spool_dir`, `with_spool_max_bytes`).
#[derive(Clone, Debug, Default)]
pub(crate) struct DurableOverrides {
    pub(crate) queue_bytes: Option<u64>,
    pub(crate) retry_window: Option<Duration>,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) spool_max_bytes: Option<u64>,
}

impl DurableOverrides {
    /// Code, then the variable, then the default.
    pub(crate) fn resolve(&self, env: &Env<'_>) -> Result<DurableSettings, ConfigError> {
        let bytes = |code: Option<u64>, method: &'static str, var: &'static str, default| match (
            code,
            env.get(var),
        ) {
            (Some(0), _) => Err(ConfigError::new(method, "0", BYTES_EXPECTED)),
            (Some(n), _) => Ok(n),
            (None, Some(v)) => {
                parse_bytes(&v).ok_or_else(|| ConfigError::new(var, v, BYTES_EXPECTED))
            }
            (None, None) => Ok(default),
        };
        let queue_bytes = bytes(
            self.queue_bytes,
            "OpenTelemetryBuilder::with_export_queue_bytes",
            QUEUE_BYTES_ENV,
            DEFAULT_QUEUE_BYTES,
        )?;
        let spool_max_bytes = bytes(
            self.spool_max_bytes,
            "OpenTelemetryBuilder::with_spool_max_bytes",
            SPOOL_MAX_BYTES_ENV,
            DEFAULT_SPOOL_MAX_BYTES,
        )?;
        let retry_window = match (self.retry_window, env.get(RETRY_WINDOW_ENV)) {
            (Some(d), _) => d,
            (None, Some(v)) => parse_duration(&v)
                .ok_or_else(|| ConfigError::new(RETRY_WINDOW_ENV, v, DURATION_EXPECTED))?,
            (None, None) => DEFAULT_RETRY_WINDOW,
        };
        let spool_dir = match &self.spool_dir {
            Some(d) => Some(d.clone()),
            None => env.get(SPOOL_DIR_ENV).map(PathBuf::from),
        };
        Ok(DurableSettings {
            queue_bytes,
            retry_window,
            spool_dir,
            spool_max_bytes,
        })
    }
}

/// `65536`, `512KiB`, `64MiB`, `1GiB`, `10MB`; positive.
fn parse_bytes(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().ok()?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(scale).filter(|b| *b > 0)
}

/// `300000` (milliseconds), `250ms`, `300s`, `5m`, `1h`.
fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().ok()?;
    let ms = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(ms).map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_parse_or_are_refused() {
        assert_eq!(parse_bytes("65536"), Some(65536));
        assert_eq!(parse_bytes("64MiB"), Some(64 << 20));
        assert_eq!(parse_bytes("512 KiB"), Some(512 << 10));
        assert_eq!(parse_bytes("10MB"), Some(10_000_000));
        for bad in ["0", "", "MiB", "-5", "12 parsecs", "1.5GiB"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
        assert_eq!(parse_duration("300000"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "soon", "5 weeks", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let vars = |k: &str| match k {
            QUEUE_BYTES_ENV => Some("lots".to_owned()),
            _ => None,
        };
        let e = DurableOverrides::default()
            .resolve(&Env(&vars))
            .unwrap_err();
        assert_eq!((e.variable(), e.value()), (QUEUE_BYTES_ENV, "lots"));
        let vars = |k: &str| (k == RETRY_WINDOW_ENV).then(|| "forever".to_owned());
        let e = DurableOverrides::default()
            .resolve(&Env(&vars))
            .unwrap_err();
        assert_eq!(e.variable(), RETRY_WINDOW_ENV);
        let none = |_: &str| None;
        assert_eq!(
            DurableOverrides::default().resolve(&Env(&none)).unwrap(),
            DurableSettings::default()
        );
    }
}
