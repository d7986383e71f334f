//! The HTTP exporters' client: reqwest's blocking client on a rustls configuration built here
//! (see `tls`), wrapped so that the cause of a failed request (connection refused, TLS
//! handshake error) survives: the exporter itself reduces every transport error to "network
//! error", and a user needs to know which one it was. It also keeps the status of the latest
//! response, from which the counting wrapper tells a backend that does not accept the signal
//! (404, 405, 415) from one that failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use parking_lot::Mutex;

use crate::config::error::ConfigError;

/// The outcome of the latest request of one exporter, taken by the counting wrapper when the
/// export fails: the transport error, or the response status.
#[derive(Debug, Default)]
pub(crate) struct LastRequest {
    error: Mutex<Option<String>>,
    /// The latest response's status; 0 after a transport error.
    status: AtomicU16,
}

impl LastRequest {
    pub(crate) fn take_error(&self) -> Option<String> {
        self.error.lock().take()
    }

    /// The latest response's status, if the latest request got one.
    pub(crate) fn status(&self) -> Option<u16> {
        Some(self.status.load(Ordering::Relaxed)).filter(|s| *s != 0)
    }
}

/// A reqwest blocking client that records its transport errors.
#[derive(Debug)]
pub(crate) struct RecordingClient {
    inner: reqwest::blocking::Client,
    last: Arc<LastRequest>,
}

impl RecordingClient {
    /// Builds the client on a thread of its own: reqwest's blocking client owns a runtime,
    /// which must not be created inside another runtime's context.
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        timeout: Duration,
        endpoint: &str,
    ) -> Result<(Self, Arc<LastRequest>), ConfigError> {
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
        let last = Arc::new(LastRequest::default());
        Ok((
            Self {
                inner,
                last: last.clone(),
            },
            last,
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
        let r = self.inner.send_bytes(request).await;
        let status = match &r {
            Ok(response) => response.status().as_u16(),
            Err(e) => {
                *self.last.error.lock() = Some(source_chain(&**e));
                0
            }
        };
        self.last.status.store(status, Ordering::Relaxed);
        r
    }
}
