//! Where each signal goes: the exporter kinds of `OTEL_{TRACES,METRICS,LOGS}_EXPORTER`.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*, *Exporter Selection*
//! (default `otlp`; `logging` is the deprecated name of `console`).

use crate::config::env::Env;
use crate::config::error::ConfigError;
use crate::signal::Signal;

/// Where a signal goes (`OTEL_{TRACES,METRICS,LOGS}_EXPORTER`, a comma list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExporterKind {
    /// OTLP, with the protocol and endpoint of the `OTEL_EXPORTER_OTLP_*` variables.
    Otlp,
    /// Readable text on stdout (`console`; the deprecated `logging` is accepted too).
    Console,
}

/// The exporters of every signal (indexed by [`Signal::index`]): code where it chose, else
/// `OTEL_{signal}_EXPORTER`, else OTLP.
pub(crate) fn resolve(
    code: &[Option<Vec<ExporterKind>>; 3],
    env: &Env<'_>,
) -> Result<[Vec<ExporterKind>; 3], ConfigError> {
    let mut exporters: [Vec<ExporterKind>; 3] = Default::default();
    for signal in Signal::ALL {
        exporters[signal.index()] = match &code[signal.index()] {
            Some(e) => e.clone(),
            None => {
                let var = format!("OTEL_{}_EXPORTER", signal.upper());
                match env.get(&var) {
                    Some(v) => parse_exporters(var, &v)?,
                    None => vec![ExporterKind::Otlp],
                }
            }
        };
    }
    Ok(exporters)
}

fn parse_exporters(var: String, v: &str) -> Result<Vec<ExporterKind>, ConfigError> {
    let mut out = Vec::new();
    let mut none = false;
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "otlp" => out.push(ExporterKind::Otlp),
            "console" | "logging" => out.push(ExporterKind::Console),
            "none" => none = true,
            _ => {
                return Err(ConfigError::new(
                    var,
                    v,
                    "a comma list of otlp, console; or none",
                ));
            }
        }
    }
    if none && !out.is_empty() {
        return Err(ConfigError::new(
            var,
            v,
            "none alone, or a comma list of otlp, console",
        ));
    }
    out.dedup();
    Ok(out)
}
