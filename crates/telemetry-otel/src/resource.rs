//! The resource: `service.name` and the other resource attributes, from code,
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, and the SDK resource they become.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables* (`OTEL_SERVICE_NAME` wins
//! over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) and *Resource SDK* (values
//! percent-encoded).

use opentelemetry_sdk::Resource;

use crate::env::{Env, parse_key_values, upsert};
use crate::error::ConfigError;

/// The service name and the other resource attributes (without `service.name`).
///
/// The service name is code's, else `OTEL_SERVICE_NAME`, else the `service.name` of the
/// attributes, else `default_service_name`. The attributes are `OTEL_RESOURCE_ATTRIBUTES`,
/// with code's winning on the same key.
pub(crate) fn resolve(
    env: &Env<'_>,
    code_service_name: Option<String>,
    code_attributes: &[(String, String)],
    default_service_name: &str,
) -> Result<(String, Vec<(String, String)>), ConfigError> {
    let mut resource = match env.get("OTEL_RESOURCE_ATTRIBUTES") {
        Some(v) => parse_key_values("OTEL_RESOURCE_ATTRIBUTES", &v, "resource attributes")?,
        None => Vec::new(),
    };
    for (k, v) in code_attributes.iter().cloned() {
        upsert(&mut resource, k, v);
    }
    let service_name = code_service_name
        .or_else(|| env.get("OTEL_SERVICE_NAME"))
        .or_else(|| {
            resource
                .iter()
                .find(|(k, _)| k == "service.name")
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_else(|| default_service_name.to_owned());
    resource.retain(|(k, _)| k != "service.name");
    Ok((service_name, resource))
}

/// The SDK resource: the SDK's `telemetry.sdk.*` attributes, the resolved attributes and
/// `service.name`.
pub(crate) fn sdk(service_name: &str, attributes: &[(String, String)]) -> Resource {
    Resource::builder_empty()
        .with_detector(Box::new(
            opentelemetry_sdk::resource::TelemetryResourceDetector,
        ))
        .with_attributes(
            attributes
                .iter()
                .map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())),
        )
        .with_service_name(service_name.to_owned())
        .build()
}
