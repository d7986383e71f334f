//! Span limits: how many attributes, events and links a span keeps, and how many attributes
//! each event and link keeps.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*, *Span Limits* (every
//! limit defaults to 128). The event limit also bounds log calls recorded as span events.

use opentelemetry_sdk::trace::SpanLimits;

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// `OTEL_SPAN_*_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanLimitSettings {
    pub(crate) attributes: u32,
    pub(crate) events: u32,
    pub(crate) links: u32,
    pub(crate) attributes_per_event: u32,
    pub(crate) attributes_per_link: u32,
}

impl SpanLimitSettings {
    /// Every limit from its variable, except the event limit when code set it.
    pub(crate) fn resolve(code_events: Option<u32>, env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(SpanLimitSettings {
            attributes: env.count("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT")?.unwrap_or(128),
            events: match code_events {
                Some(n) => n,
                None => env.count("OTEL_SPAN_EVENT_COUNT_LIMIT")?.unwrap_or(128),
            },
            links: env.count("OTEL_SPAN_LINK_COUNT_LIMIT")?.unwrap_or(128),
            attributes_per_event: env
                .count("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT")?
                .unwrap_or(128),
            attributes_per_link: env.count("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT")?.unwrap_or(128),
        })
    }

    /// The SDK's span limits.
    pub(crate) fn sdk(self) -> SpanLimits {
        SpanLimits {
            max_events_per_span: self.events,
            max_attributes_per_span: self.attributes,
            max_links_per_span: self.links,
            max_attributes_per_event: self.attributes_per_event,
            max_attributes_per_link: self.attributes_per_link,
        }
    }
}
