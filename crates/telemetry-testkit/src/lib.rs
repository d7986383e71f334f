//! Test support shared by the Agent Telemetry crates: what an in-process OTLP receiver got, as
//! plain [`Received`] spans, log records and metric points, and assertions on trace trees.
//!
//! ```
//! use telemetry_testkit::{assert_no_orphans, mock};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // OTLP over HTTP/protobuf on 127.0.0.1 with an ephemeral port.
//! let server = mock::receiver().await;
//! let endpoint = format!("http://{}", server.addr());
//! // ... export to `endpoint`, shut the pipeline down, `server.wait_for_spans(n, timeout)` ...
//! # let _ = endpoint;
//! let got = server.with_collector(mock::received).await;
//! assert_no_orphans(&got.spans);
//! assert!(got.logs.is_empty() && got.metrics.is_empty());
//! server.shutdown().await.unwrap();
//! # }
//! ```
//!
//! - [`mock`]: start a `mock-collector` (HTTP/protobuf) and read it.
//! - `fake` (feature `fake`): read `fake-opentelemetry-collector` (gRPC) exports, whose
//!   values arrive as `Debug` strings.
//! - `tls` (feature `tls`): a test CA with server and client certificates, and a
//!   TLS-terminating proxy that puts any plain receiver behind `https://`.
//! - `faults` (feature `faults`): a receiver that stops and restarts on the same port, a
//!   black-hole listener that never answers, a proxy that answers late, and one that answers
//!   chosen OTLP/HTTP paths with a chosen status (404 for a signal a backend does not take).
//! - `otel` (feature `otel`): the OpenTelemetry implementation exporting to a [`mock`]
//!   receiver, configured in code only, and what arrived once it shut down.
//! - [`received`]: the model ([`RSpan`], [`RLog`], [`RPoint`]) and look-ups such as
//!   [`Received::span_named`] and [`Received::logs_of`].
//! - [`tree`]: [`assert_tree`] (exact parent links by name, one trace id) and
//!   [`assert_no_orphans`].
//! - [`env`](mod@env): [`env_source`], configuration in code with the process environment
//!   ignored.
#![warn(missing_docs)]

pub mod env;
#[cfg(feature = "fake")]
pub mod fake;
#[cfg(feature = "faults")]
pub mod faults;
pub mod mock;
#[cfg(feature = "otel")]
pub mod otel;
pub mod received;
#[cfg(feature = "tls")]
pub mod tls;
pub mod tree;

pub use env::env_source;
pub use received::{MetricKind, REvent, RLink, RLog, RPoint, RSpan, Received};
pub use tree::{assert_no_orphans, assert_tree};
