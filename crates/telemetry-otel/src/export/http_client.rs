//! The HTTP exporters' client: reqwest's blocking client on a rustls configuration built here
//! (see `tls`), wrapped so that the cause of a failed request (connection refused, TLS
//! handshake error) survives: the exporter itself reduces every transport error to "network
//! error", and a user needs to know which one it was.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use parking_lot::Mutex;

use crate::config::error::ConfigError;

/// The cause of the latest failed request of one exporter, taken by the counting wrapper when
/// the export fails.
#[derive(Debug, Default)]
pub(crate) struct LastTransportError(Mutex<Option<String>>);

impl LastTransportError {
    pub(crate) fn take(&self) -> Option<String> {
        self.0.lock().take()
    }
}

/// A reqwest blocking client that records its transport errors.
#[derive(Debug)]
pub(crate) struct RecordingClient {
    inner: reqwest::blocking::Client,
    last_error: Arc<LastTransportError>,
}

impl RecordingClient {
    /// Builds the client on a thread of its own: reqwest's blocking client owns a runtime,
    /// which must not be created inside another runtime's context.
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        timeout: Duration,
        endpoint: &str,
    ) -> Result<(Self, Arc<LastTransportError>), ConfigError> {
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
        let inner = built.map_err(|e| {
            ConfigError::new(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                endpoint.to_owned(),
                format!("an endpoint an HTTP client can be built for ({e})"),
            )
        })?;
        let last_error = Arc::new(LastTransportError::default());
        Ok((
            Self {
                inner,
                last_error: last_error.clone(),
            },
            last_error,
        ))
    }
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

#[async_trait]
impl HttpClient for RecordingClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        match self.inner.send_bytes(request).await {
            Ok(r) => Ok(r),
            Err(e) => {
                *self.last_error.0.lock() = Some(source_chain(&*e));
                Err(e)
            }
        }
    }
}
