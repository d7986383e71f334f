//! The OTLP/HTTP client: reqwest's blocking client on a rustls configuration built here (see
//! `tls`), and the rendering of a transport error with its whole source chain ("connection
//! refused", the TLS handshake's reason), which reqwest's own message leaves out.

use std::time::Duration;

use crate::config::error::ConfigError;

/// A reqwest blocking client with the OTLP timeout and TLS configuration. Built on a thread of
/// its own: the blocking client owns a runtime, which must not be created inside another
/// runtime's context (nor dropped in one: the delivery thread that owns it is a plain thread).
pub(crate) fn blocking_client(
    tls: rustls::ClientConfig,
    timeout: Duration,
    endpoint: &str,
) -> Result<reqwest::blocking::Client, ConfigError> {
    let built = std::thread::Builder::new()
        .name("telemetry-otel-http-client".into())
        .spawn(move || {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .tls_backend_preconfigured(tls)
                .build()
                .map_err(|e| e.to_string())
        })
        .map_err(|e| e.to_string())
        .and_then(|h| h.join().map_err(|_| "client thread panicked".to_owned()))
        .and_then(|r| r);
    built.map_err(|e| {
        ConfigError::new(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            endpoint.to_owned(),
            format!("an endpoint an HTTP client can be built for ({e})"),
        )
    })
}

/// An error and its sources, outermost first, joined with ": ".
pub(crate) fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
