//! The OpenTelemetry implementation (telemetry-otel) exporting to an in-process receiver
//! ([`mock::receiver`]: `mock-collector`, OTLP over HTTP/protobuf on 127.0.0.1 with an
//! ephemeral port), configured in code only, and reading what arrived after shutdown.
//!
//! ```
//! use telemetry_core::CorrelatorExt as _;
//! use telemetry_testkit::otel::{pipeline, received};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let (otel, server) = pipeline("my-crate-test").await;
//! let t = otel.telemetry();
//! drop(t.correlator.enter_scope("request", &[]));
//! // Shuts the pipeline down and waits for at least one span.
//! let got = received(otel, server, 1).await;
//! assert_eq!(got.span_named("request").kind, "SPAN_KIND_INTERNAL");
//! # }
//! ```

use std::time::Duration;

use mock_collector::ServerHandle;
use telemetry_core::Lifecycle as _;
use telemetry_otel::{OpenTelemetry, OpenTelemetryBuilder, Protocol};

use crate::env::env_source;
use crate::mock;
use crate::received::Received;

/// How long [`received`] waits for the pipeline to shut down and for the spans to arrive:
/// 10 s, far above what a loaded CI machine needs, so that only a real failure trips it.
pub const WAIT: Duration = Duration::from_secs(10);

/// `OpenTelemetry::builder(service)` exporting every signal to `server` over HTTP/protobuf,
/// with `vars` as the only environment it reads (the process environment is ignored; see
/// [`env_source`], which panics on a name listed twice). Add further settings, then `build`.
pub fn builder(
    service: &str,
    server: &ServerHandle,
    vars: &[(&str, &str)],
) -> OpenTelemetryBuilder {
    OpenTelemetry::builder(service)
        .with_env_source(env_source(vars))
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", server.addr()))
}

/// A new receiver and an OpenTelemetry implementation named `service` exporting every signal
/// to it, with the defaults and no environment ([`builder`] with no `vars`).
///
/// # Panics
/// When the configuration does not build (a defect of this function, not of the test).
pub async fn pipeline(service: &str) -> (OpenTelemetry, ServerHandle) {
    let server = mock::receiver().await;
    let otel = builder(service, &server, &[])
        .build()
        .expect("a valid OpenTelemetry configuration");
    (otel, server)
}

/// Shuts `otel` down (exporting everything), waits until `server` holds at least `spans`
/// spans, reads what it got, and stops it.
///
/// # Panics
/// When the shutdown fails, fewer than `spans` spans arrive within [`WAIT`], or the receiver
/// does not stop.
pub async fn received(otel: OpenTelemetry, server: ServerHandle, spans: usize) -> Received {
    otel.shutdown(WAIT).await.expect("shutdown");
    server
        .wait_for_spans(spans, WAIT)
        .await
        .expect("spans arrive");
    let got = server.with_collector(mock::received).await;
    server.shutdown().await.expect("receiver stops");
    got
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::CorrelatorExt as _;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scope_reaches_the_receiver_as_one_span() {
        let (otel, server) = pipeline("testkit-otel").await;
        let t = otel.telemetry();
        drop(t.correlator.enter_scope("one", &[]));
        let got = received(otel, server, 1).await;
        assert_eq!(got.span_named("one").parent(), None);
        assert_eq!(got.spans.len(), 1, "{:#?}", got.spans);
    }
}
