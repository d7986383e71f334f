//! How the core's scopes, log calls, attributes and instruments become OpenTelemetry SDK
//! values: spans with the scope's own ids, events, key-values, bound instruments.

pub(crate) mod convert;
pub(crate) mod ids;
pub(crate) mod instruments;
pub(crate) mod intern;
pub(crate) mod span;
