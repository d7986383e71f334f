//! Configuration: the `OTEL_*` environment and the builder's code settings, validated and
//! resolved (code, then signal-specific variable, then generic variable, then default) into
//! [`resolved::Resolved`] before anything starts.

pub(crate) mod batch;
pub(crate) mod detect;
pub(crate) mod durable;
pub(crate) mod env;
pub(crate) mod error;
pub(crate) mod exporter;
pub(crate) mod limits;
pub(crate) mod otlp;
pub(crate) mod propagators;
pub(crate) mod resolved;
pub(crate) mod resource;
pub(crate) mod sampler;
pub(crate) mod tail;
pub(crate) mod tls;
