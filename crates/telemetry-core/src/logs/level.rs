//! Log levels and a run-time adjustable level filter.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

/// The severity of a log call, ordered from `Trace` (least severe) to `Critical`.
///
/// Each level maps to the OpenTelemetry severity number at the start of its range
/// (Logs data model, *SeverityNumber*): Trace 1, Debug 5, Info 9, Warning 13, Error 17,
/// Critical 21 (`FATAL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum LogLevel {
    /// Very fine-grained diagnostics.
    Trace = 1,
    /// Diagnostics useful while developing.
    Debug = 2,
    /// Normal operation.
    Info = 3,
    /// Something unexpected that the application handled.
    Warning = 4,
    /// An operation failed.
    Error = 5,
    /// The application cannot go on as intended.
    Critical = 6,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [LogLevel; 6] = [
        Self::Trace,
        Self::Debug,
        Self::Info,
        Self::Warning,
        Self::Error,
        Self::Critical,
    ];

    /// The lowercase name, as parsed by [`FromStr`]: `trace` … `critical`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }

    /// The OpenTelemetry severity text: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`
    /// (Logs data model, *Displaying Severity*).
    pub const fn severity_text(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARN",
            Self::Error => "ERROR",
            Self::Critical => "FATAL",
        }
    }

    /// The OpenTelemetry severity number (1, 5, 9, 13, 17, 21).
    pub const fn severity_number(self) -> i32 {
        (self as i32 - 1) * 4 + 1
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An unrecognised level string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLevelError {
    input: String,
}

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid log level {:?}: expected one of trace, debug, info, warning (or warn), \
             error, critical (or fatal), case-insensitive",
            self.input
        )
    }
}

impl std::error::Error for ParseLevelError {}

/// Parses `trace`, `debug`, `info`, `warning`/`warn`, `error`, `critical`/`fatal`, ignoring
/// case and surrounding white space.
impl FromStr for LogLevel {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let level = match () {
            _ if t.eq_ignore_ascii_case("trace") => Self::Trace,
            _ if t.eq_ignore_ascii_case("debug") => Self::Debug,
            _ if t.eq_ignore_ascii_case("info") => Self::Info,
            _ if t.eq_ignore_ascii_case("warning") || t.eq_ignore_ascii_case("warn") => {
                Self::Warning
            }
            _ if t.eq_ignore_ascii_case("error") => Self::Error,
            _ if t.eq_ignore_ascii_case("critical") || t.eq_ignore_ascii_case("fatal") => {
                Self::Critical
            }
            _ => {
                return Err(ParseLevelError {
                    input: s.to_owned(),
                });
            }
        };
        Ok(level)
    }
}

/// A minimum level that can be changed at run time from any thread.
///
/// `enabled` is one relaxed atomic load. The value `OFF` disables every level.
#[derive(Debug)]
pub struct LevelFilter(AtomicU8);

impl LevelFilter {
    const OFF: u8 = LogLevel::Critical as u8 + 1;

    /// A filter that lets `min` and everything more severe through.
    pub const fn new(min: LogLevel) -> Self {
        Self(AtomicU8::new(min as u8))
    }

    /// A filter that lets nothing through.
    pub const fn off() -> Self {
        Self(AtomicU8::new(Self::OFF))
    }

    /// Whether `level` passes.
    #[inline]
    pub fn enabled(&self, level: LogLevel) -> bool {
        level as u8 >= self.0.load(Ordering::Relaxed)
    }

    /// The current minimum, or `None` when off.
    pub fn get(&self) -> Option<LogLevel> {
        let v = self.0.load(Ordering::Relaxed);
        LogLevel::ALL.into_iter().find(|l| *l as u8 == v)
    }

    /// Sets the minimum; `None` turns the filter off.
    pub fn set(&self, min: Option<LogLevel>) {
        self.0
            .store(min.map_or(Self::OFF, |l| l as u8), Ordering::Relaxed);
    }
}

impl Default for LevelFilter {
    /// `Info`, the usual default of logging libraries.
    fn default() -> Self {
        Self::new(LogLevel::Info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_map_to_otel_severity() {
        assert!(LogLevel::Trace < LogLevel::Debug && LogLevel::Error < LogLevel::Critical);
        let numbers: Vec<i32> = LogLevel::ALL.iter().map(|l| l.severity_number()).collect();
        assert_eq!(numbers, [1, 5, 9, 13, 17, 21]);
    }

    #[test]
    fn parse_accepts_names_and_aliases_and_rejects_others() {
        assert_eq!(" WARN ".parse::<LogLevel>(), Ok(LogLevel::Warning));
        assert_eq!("Fatal".parse::<LogLevel>(), Ok(LogLevel::Critical));
        for l in LogLevel::ALL {
            assert_eq!(l.as_str().parse::<LogLevel>(), Ok(l));
        }
        let err = "verbose".parse::<LogLevel>().unwrap_err().to_string();
        assert!(
            err.contains("\"verbose\"") && err.contains("expected one of"),
            "{err}"
        );
    }

    #[test]
    fn filter_changes_at_run_time() {
        let f = LevelFilter::new(LogLevel::Info);
        assert!(!f.enabled(LogLevel::Debug) && f.enabled(LogLevel::Info));
        f.set(Some(LogLevel::Trace));
        assert!(f.enabled(LogLevel::Trace));
        assert_eq!(f.get(), Some(LogLevel::Trace));
        f.set(None);
        assert!(!f.enabled(LogLevel::Critical));
        assert_eq!(f.get(), None);
    }
}
