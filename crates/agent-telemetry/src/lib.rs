//! Observability for AI agent engines, in one dependency: scopes (spans) that carry a
//! correlation id, leveled logs and metrics, with NoOp, Basic and OpenTelemetry implementations
//! chosen at start-up, plus GenAI, HTTP, `tracing` and task integrations.
//!
//! A service: an axum server whose every request is a SERVER span, a GenAI `chat` span per
//! model call, the libraries' `tracing` events in the same traces, OpenTelemetry configured by
//! the `OTEL_*` variables (Basic logs on stdout if they are invalid), and a flush on Ctrl-C
//! (`examples/service.rs`; features `http`, `axum` and `tracing` on top of the defaults):
//!
#![doc = concat!("```no_run\n", include_str!("../examples/service.rs"), "```")]
//!
//! `curl -XPOST localhost:3000/v1/chat -d 'what is 2+2?'` answers `4` with an
//! `x-correlation-id` header: the trace id of the request's `POST /v1/chat` span and of the
//! `chat gpt-4o` span under it.
//!
//! # What is where
//!
//! The core traits and types are at the root (re-exported from `telemetry-core`): [`Telemetry`]
//! (the bundle of [`SharedCorrelator`], [`SharedLogger`], [`SharedMeter`]),
//! [`CorrelatorExt`], [`ScopeOptions`], [`Attribute`], the [`attrs!`] macro, the logging
//! macros ([`info!`], [`error!`], …), the instrument macros ([`add!`], [`record!`]),
//! [`propagation`] and the NoOp implementations. Each implementation or integration is a
//! module behind a feature:
//!
//! | module | feature | crate | what |
//! | --- | --- | --- | --- |
//! | [`basic`] | `basic` (default) | `telemetry-basic` | local use: text or JSON-lines logs with correlation ids, in-memory metrics, Prometheus text |
//! | [`otel`] | `otel` (default) | `telemetry-otel` | production: scopes become spans, OTLP export configured by `OTEL_*` |
//! | [`gen_ai`] | `genai` (default) | `telemetry-genai` | the OpenTelemetry GenAI semantic conventions: `invoke_agent`, `chat`, `execute_tool` spans, token usage, redacted content |
//! | [`tasks`] | `tasks` (default); `rayon` adds [`tasks::rayon`] | `telemetry-tasks` | the current scope carried across `tokio::spawn`, threads, joins, streams, rate limits |
//! | [`http_instrumentation`] | `http`; `axum` (route templates), `reqwest` (client middleware) | `telemetry-http` | a tower server layer and reqwest-middleware with the HTTP semantic conventions |
//! | [`tracing_bridge`] | `tracing` | `telemetry-tracing` | `tracing` and `log` events into scopes, and a `tracing`-backed bundle |
//! | [`recorder`] | `recorder` | `telemetry-recorder` | a bounded in-memory span recorder: the terminal trace tree, JSON |
//!
//! The modules are named so that none shadows a crate a service also uses: `http`, `tracing`
//! and `genai` are crates of their own, and a `use agent_telemetry::*;` would hide them. Prefer
//! [`prelude`] for a glob import.
//!
//! # Features
//!
//! The default, `basic`, `otel`, `genai` and `tasks`, is what nearly every agent service uses
//! and chooses no web framework or HTTP client for it: Basic for local runs and tests,
//! OpenTelemetry for production, GenAI spans, and scope propagation across tasks (without it a
//! `tokio::spawn` starts a new trace). `http`, `axum`, `reqwest` and `tracing` pull in `tower`,
//! axum, reqwest and `tracing-subscriber`, so they are opt-in; `recorder` costs nothing more
//! when `otel` is on (its console exporter uses it). A library that only instruments takes
//! `default-features = false`: the root alone is the traits and NoOp, with no runtime and no
//! OpenTelemetry dependency.
//!
//! # TLS: a rustls crypto provider without asking
//!
//! The `otel` feature builds reqwest with `rustls-no-provider` (the exporters bring their own
//! `ring` configuration; `aws-lc-rs` would need cmake), and Cargo unifies features, so every
//! reqwest client in the program is built that way, and reqwest 0.13 panics in
//! `Client::builder().build()` when rustls has no process-wide default provider. So
//! [`otel::OpenTelemetry::builder`] and [`otel::OpenTelemetry::from_env`] install `ring` as that
//! default when the application has installed none, and keep one it installed first (so an
//! application with its own provider installs it before building telemetry). Build telemetry
//! first, as the example does, and clients built later work. A
//! program that builds a reqwest client before any OpenTelemetry value (Basic telemetry only,
//! say) calls [`ensure_crypto_provider`] first, or enables reqwest's own `rustls` feature.
//!
//! # Macros
//!
//! The macros expand to `$crate` paths of `telemetry-core`, so they work through this crate
//! alone, with no `telemetry-core` dependency in the application:
//!
//! ```
//! use agent_telemetry::{Telemetry, attrs, info};
//!
//! let t = Telemetry::noop();
//! t.logger.info("session created", &attrs!["agent" => "planner"]);
//! info!(t.logger, "turn finished", "tokens" => 34_u32);
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use telemetry_core::*;

#[cfg(feature = "basic")]
#[cfg_attr(docsrs, doc(cfg(feature = "basic")))]
#[doc(inline)]
pub use telemetry_basic as basic;

#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
#[doc(inline)]
pub use telemetry_otel as otel;

/// Makes `ring` rustls' process-wide default crypto provider unless one is installed; see
/// [TLS](crate#tls-a-rustls-crypto-provider-without-asking).
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub use telemetry_otel::ensure_crypto_provider;

#[cfg(feature = "genai")]
#[cfg_attr(docsrs, doc(cfg(feature = "genai")))]
#[doc(inline)]
pub use telemetry_genai as gen_ai;

#[cfg(feature = "tasks")]
#[cfg_attr(docsrs, doc(cfg(feature = "tasks")))]
#[doc(inline)]
pub use telemetry_tasks as tasks;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[doc(inline)]
pub use telemetry_http as http_instrumentation;

#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
#[doc(inline)]
pub use telemetry_tracing as tracing_bridge;

#[cfg(feature = "recorder")]
#[cfg_attr(docsrs, doc(cfg(feature = "recorder")))]
#[doc(inline)]
pub use telemetry_recorder as recorder;

/// The traits whose methods instrumentation code calls, for `use agent_telemetry::prelude::*;`
/// (a glob import of the crate root would also import modules named like other crates).
pub mod prelude {
    pub use telemetry_core::{ContextualCorrelator, CorrelatorExt, Logger, Meter, MeterExt};
    #[cfg(feature = "tasks")]
    pub use telemetry_tasks::{FutureScopeExt, JoinSetExt, StreamScopeExt};
}
