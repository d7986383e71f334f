//! The running export pipeline: SDK providers, processors and exporters built from the
//! resolved configuration, the OTLP exporters that deliver through outages (`durable`), the
//! wrappers that count what they pass, the HTTP client, the self-observability metrics, and the console exporter.

pub(crate) mod console;
pub(crate) mod counting;
pub(crate) mod durable;
pub(crate) mod http_client;
pub(crate) mod pipeline;
pub(crate) mod self_metrics;
pub(crate) mod tail;
