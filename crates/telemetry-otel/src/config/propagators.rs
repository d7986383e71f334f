//! Which context propagators `extract` and `inject` use: [`Propagators`] from code or
//! `OTEL_PROPAGATORS`.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*, *General SDK
//! Configuration* (`OTEL_PROPAGATORS`, default `tracecontext,baggage`). Only the W3C
//! propagators are supported.

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// Which context propagators `extract`/`inject` use (`OTEL_PROPAGATORS`). Default
/// `tracecontext,baggage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Propagators {
    /// W3C `traceparent` and `tracestate`.
    pub tracecontext: bool,
    /// W3C `baggage`.
    pub baggage: bool,
}

impl Default for Propagators {
    fn default() -> Self {
        Self {
            tracecontext: true,
            baggage: true,
        }
    }
}

impl Propagators {
    /// The propagators code chose, else `OTEL_PROPAGATORS`'s, else the default.
    pub(crate) fn resolve(code: Option<Propagators>, env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(match code {
            Some(p) => p,
            None => match env.get("OTEL_PROPAGATORS") {
                Some(v) => parse_propagators(&v)?,
                None => Propagators::default(),
            },
        })
    }
}

fn parse_propagators(v: &str) -> Result<Propagators, ConfigError> {
    let mut p = Propagators {
        tracecontext: false,
        baggage: false,
    };
    let mut none = false;
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "tracecontext" => p.tracecontext = true,
            "baggage" => p.baggage = true,
            "none" => none = true,
            _ => {
                return Err(ConfigError::new(
                    "OTEL_PROPAGATORS",
                    v,
                    "a comma list of tracecontext, baggage; or none",
                ));
            }
        }
    }
    if none && (p.tracecontext || p.baggage) {
        return Err(ConfigError::new(
            "OTEL_PROPAGATORS",
            v,
            "none alone, or a comma list of tracecontext, baggage",
        ));
    }
    Ok(p)
}
