//! OTLP exporter settings of each signal: protocol, endpoint, headers, timeout, compression,
//! TLS files, and the metrics temporality preference.
//!
//! Source: OpenTelemetry specification, *OTLP Exporter Configuration*. For every setting: code,
//! then the signal-specific variable (`OTEL_EXPORTER_OTLP_TRACES_*`), then the generic one
//! (`OTEL_EXPORTER_OTLP_*`), then the default.

use std::time::Duration;

use opentelemetry_sdk::metrics::Temporality;

use crate::config::env::{Env, parse_key_values, parse_millis, upsert};
use crate::config::error::ConfigError;
use crate::config::tls::{TlsFiles, TlsOverrides};
use crate::signal::Signal;

/// An OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `grpc`: OTLP/gRPC, default endpoint `http://localhost:4317`.
    Grpc,
    /// `http/protobuf`: OTLP/HTTP with binary protobuf bodies, default endpoint
    /// `http://localhost:4318/v1/{traces,metrics,logs}`. The default protocol.
    HttpProtobuf,
    /// `http/json`: OTLP/HTTP with JSON bodies (for JSON-only backends such as Parseable).
    HttpJson,
}

impl Protocol {
    const ACCEPTED: &'static str = "one of grpc, http/protobuf, http/json";

    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "grpc" => Some(Self::Grpc),
            "http/protobuf" => Some(Self::HttpProtobuf),
            "http/json" => Some(Self::HttpJson),
            _ => None,
        }
    }
}

/// Metric aggregation temporality (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TemporalityPref {
    Cumulative,
    Delta,
    LowMemory,
}

impl TemporalityPref {
    /// Reads `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`; default `cumulative`.
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        const VAR: &str = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
        let Some(v) = env.get(VAR) else {
            return Ok(TemporalityPref::Cumulative);
        };
        match v.to_ascii_lowercase().as_str() {
            "cumulative" => Ok(TemporalityPref::Cumulative),
            "delta" => Ok(TemporalityPref::Delta),
            "lowmemory" => Ok(TemporalityPref::LowMemory),
            _ => Err(ConfigError::new(
                VAR,
                v,
                "one of cumulative, delta, lowmemory",
            )),
        }
    }

    /// The SDK's temporality for the metric exporters.
    pub(crate) fn sdk(self) -> Temporality {
        match self {
            TemporalityPref::Cumulative => Temporality::Cumulative,
            TemporalityPref::Delta => Temporality::Delta,
            TemporalityPref::LowMemory => Temporality::LowMemory,
        }
    }
}

/// Everything the OTLP exporter of one signal needs, fully resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OtlpSettings {
    pub(crate) protocol: Protocol,
    pub(crate) endpoint: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) gzip: bool,
    pub(crate) tls: TlsFiles,
}

impl OtlpSettings {
    /// Whether the endpoint uses TLS.
    pub(crate) fn https(&self) -> bool {
        self.endpoint.starts_with("https://")
    }
}

/// What code set for OTLP export (the builder's `with_protocol`, `with_endpoint`, …); unset
/// parts are left to the environment.
#[derive(Default)]
pub(crate) struct OtlpOverrides {
    pub(crate) protocol: Option<Protocol>,
    pub(crate) endpoint: Option<String>,
    pub(crate) signal_endpoint: [Option<String>; 3],
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) gzip: Option<bool>,
    pub(crate) tls: TlsOverrides,
}

impl OtlpOverrides {
    /// The settings of one signal's OTLP exporter: code, then the signal-specific variable, then
    /// the generic one, then the default.
    pub(crate) fn resolve(
        &self,
        env: &Env<'_>,
        signal: Signal,
    ) -> Result<OtlpSettings, ConfigError> {
        let s = signal.upper();
        let signal_var = |name: &str| format!("OTEL_EXPORTER_OTLP_{s}_{name}");
        // Code, then signal-specific, then generic; each variable validated when it is used.
        let pick = |name: &str| -> Option<(String, String)> {
            let sv = signal_var(name);
            if let Some(v) = env.get(&sv) {
                return Some((sv, v));
            }
            let gv = format!("OTEL_EXPORTER_OTLP_{name}");
            env.get(&gv).map(|v| (gv, v))
        };

        let protocol = match self.protocol {
            Some(p) => p,
            None => match pick("PROTOCOL") {
                Some((var, v)) => Protocol::parse(&v)
                    .ok_or_else(|| ConfigError::new(var, v, Protocol::ACCEPTED))?,
                None => Protocol::HttpProtobuf,
            },
        };

        let insecure = {
            let sv = signal_var("INSECURE");
            match env.bool(&sv)? {
                Some(b) => b,
                None => env.bool("OTEL_EXPORTER_OTLP_INSECURE")?.unwrap_or(false),
            }
        };

        let http = protocol != Protocol::Grpc;
        // (endpoint, variable it came from, whether the signal path must be appended)
        let (endpoint, source, append) = if let Some(e) = &self.signal_endpoint[signal.index()] {
            (
                e.clone(),
                "OpenTelemetryBuilder::with_signal_endpoint".to_owned(),
                false,
            )
        } else if let Some(e) = &self.endpoint {
            (
                e.clone(),
                "OpenTelemetryBuilder::with_endpoint".to_owned(),
                http,
            )
        } else if let Some(v) = env.get(&signal_var("ENDPOINT")) {
            (v, signal_var("ENDPOINT"), false)
        } else if let Some(v) = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
            (v, "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), http)
        } else if http {
            ("http://localhost:4318".to_owned(), String::new(), true)
        } else {
            ("http://localhost:4317".to_owned(), String::new(), false)
        };
        let endpoint = validate_endpoint(&source, &endpoint, http, insecure)?;
        let endpoint = if append {
            format!("{}{}", endpoint.trim_end_matches('/'), signal.http_path())
        } else {
            endpoint
        };

        let mut headers = match pick("HEADERS") {
            Some((var, v)) => {
                let parsed = parse_key_values(var.clone(), &v, "headers")?;
                if parsed.iter().any(|(k, val)| !valid_header(k, val)) {
                    return Err(ConfigError::new(var, v, HEADER_EXPECTED));
                }
                parsed
            }
            None => Vec::new(),
        };
        for (k, v) in &self.headers {
            if !valid_header(k, v) {
                return Err(ConfigError::new(
                    "OpenTelemetryBuilder::with_header",
                    format!("{k}={v}"),
                    HEADER_EXPECTED,
                ));
            }
            upsert(&mut headers, k.clone(), v.clone());
        }

        let timeout = match self.timeout {
            Some(t) => t,
            None => match pick("TIMEOUT") {
                Some((var, v)) => parse_millis(var, &v)?,
                None => Duration::from_secs(10),
            },
        };

        let gzip = match self.gzip {
            Some(g) => g,
            None => match pick("COMPRESSION") {
                Some((var, v)) => match v.to_ascii_lowercase().as_str() {
                    "gzip" => true,
                    "none" => false,
                    _ => return Err(ConfigError::new(var, v, "one of gzip, none")),
                },
                None => false,
            },
        };

        let tls = self.tls.resolve(pick)?;

        Ok(OtlpSettings {
            protocol,
            endpoint,
            headers,
            timeout,
            gzip,
            tls,
        })
    }
}

const HEADER_EXPECTED: &str = "comma-separated name=value pairs with HTTP header names (RFC 9110 \
                               token characters) and visible-ASCII values";

fn valid_header(k: &str, v: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

fn validate_endpoint(
    source: &str,
    endpoint: &str,
    http: bool,
    insecure: bool,
) -> Result<String, ConfigError> {
    let var = if source.is_empty() {
        "default endpoint".to_owned()
    } else {
        source.to_owned()
    };
    let with_scheme = if endpoint.contains("://") {
        endpoint.to_owned()
    } else if !http {
        // gRPC: OTEL_EXPORTER_OTLP_INSECURE decides the scheme of a schemeless endpoint.
        format!("{}://{endpoint}", if insecure { "http" } else { "https" })
    } else {
        endpoint.to_owned()
    };
    let expected = "an absolute http:// or https:// URL with a host, e.g. http://localhost:4318";
    let Some(rest) = with_scheme
        .strip_prefix("http://")
        .or_else(|| with_scheme.strip_prefix("https://"))
    else {
        return Err(ConfigError::new(var, endpoint, expected));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(ConfigError::new(var, endpoint, expected));
    }
    if let Some((_, port)) = host.rsplit_once(':') {
        if !host.ends_with(']') && port.parse::<u16>().is_err() {
            return Err(ConfigError::new(var, endpoint, expected));
        }
    }
    Ok(with_scheme)
}
