//! HTTP instrumentation on the Agent Telemetry traits, so it works with the NoOp, Basic and
//! OpenTelemetry implementations alike: a `tower` layer for servers (axum, hyper, tonic) and
//! `reqwest-middleware` middleware for clients, with the stable HTTP semantic conventions
//! (v1.41.0) and W3C Trace Context propagation. The trace id of every request's spans is its
//! correlation id, and a client call made inside a handler continues the same trace.
//!
//! ```
//! # #[cfg(feature = "axum")] {
//! use axum::{Router, routing::get};
//! use telemetry_core::Telemetry;
//! use telemetry_http::HttpServerLayer;
//!
//! let telemetry = Telemetry::noop();
//! let app: Router = Router::new()
//!     .route("/v1/items/{id}", get(|| async { "item" }))
//!     // Every request: a SERVER scope named `GET /v1/items/{id}`, its metrics, and the
//!     // `x-correlation-id` response header.
//!     .layer(HttpServerLayer::new(telemetry));
//! # }
//! ```
//!
//! | piece | what it records |
//! | --- | --- |
//! | [`HttpServerLayer`] | a SERVER root scope per request, `http.server.request.duration`, `http.server.active_requests`, the correlation header |
//! | [`HttpClientMiddleware`] (feature `client`) | a CLIENT scope per attempt, `traceparent` injected, `http.client.request.duration` |
//! | [`HeaderExtractor`], [`HeaderInjector`] | `http::HeaderMap` as a propagation carrier, for hand-written code |
//! | [`KnownMethods`] | `http.request.method` and `_OTHER`, overridable with `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` |
//! | [`redact_url`] | `url.full` without credentials or sensitive query values |
//!
//! # Features
//! - `axum`: reads the route template from axum's `MatchedPath` (so span names are
//!   `{method} {route}`) and the peer address from `ConnectInfo<SocketAddr>`. Without it, a
//!   router can insert [`HttpRoute`] into the request's extensions.
//! - `client`: [`HttpClientMiddleware`] and [`UrlTemplate`] (pulls in `reqwest` and
//!   `reqwest-middleware`).
//!
//! # Errors this crate reports as `error.type`
//! Server: the status code of a 5xx response (`500`, `503`, …), `panic`, or the inner
//! service's error type name. Client: the status code of a 4xx or 5xx response, `timeout`,
//! `connect`, `redirect`, `body`, `decode`, `request`, `_OTHER`. The semantic conventions ask
//! instrumentations to document this list (`docs/http/http-spans.md`, note on `error.type`).

#![warn(missing_docs)]

#[cfg(feature = "client")]
mod client;
pub mod headers;
mod method;
pub mod semconv;
mod server;
mod url;

#[cfg(feature = "client")]
pub use client::{ClientSpanAttributes, HttpClientMiddleware, UrlTemplate};
pub use headers::{HeaderCapture, HeaderExtractor, HeaderInjector};
pub use method::{KNOWN_METHODS_ENV, KnownMethods, OTHER as METHOD_OTHER, span_name_method};
pub use server::{
    CORRELATION_HEADER, DEFAULT_QUOTE_LIMIT, HandlerPanicked, HttpRoute, HttpServerLayer,
    HttpServerService, RequestCorrelation, RequestLogAttributes, ResponseFuture,
};
pub use url::{SENSITIVE_QUERY_KEYS, redact_query, redact_url};

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
