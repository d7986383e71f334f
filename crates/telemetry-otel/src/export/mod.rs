//! The running export pipeline: SDK providers, processors and exporters built from the
//! resolved configuration, the wrappers that count what they pass, the HTTP client that keeps
//! transport causes, the self-observability metrics, and the console exporter.

pub(crate) mod console;
pub(crate) mod counting;
pub(crate) mod http_client;
pub(crate) mod pipeline;
pub(crate) mod self_metrics;
pub(crate) mod tail;
