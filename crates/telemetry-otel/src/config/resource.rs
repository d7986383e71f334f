//! The resource: `service.name` and the other resource attributes, from detection, code,
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, and the SDK resource they become.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables* (`OTEL_SERVICE_NAME` wins
//! over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) and *Resource SDK* (values
//! percent-encoded; a detector's attributes are merged under the user's).

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::ResourceDetector as _;
use telemetry_core::{Attribute, AttributeValue};

use crate::config::detect;
use crate::config::env::{Env, parse_key_values};
use crate::config::error::ConfigError;
use crate::mapping::convert;

/// The service name and the other configured resource attributes (without `service.name`).
///
/// The service name is code's, else `OTEL_SERVICE_NAME`, else the `service.name` of the
/// attributes, else `default_service_name`. The attributes are `OTEL_RESOURCE_ATTRIBUTES`
/// (strings), with code's winning on the same key.
pub(crate) fn resolve(
    env: &Env<'_>,
    code_service_name: Option<String>,
    code_attributes: &[Attribute],
    default_service_name: &str,
) -> Result<(String, Vec<Attribute>), ConfigError> {
    let mut resource: Vec<Attribute> = match env.get("OTEL_RESOURCE_ATTRIBUTES") {
        Some(v) => parse_key_values("OTEL_RESOURCE_ATTRIBUTES", &v, "resource attributes")?
            .into_iter()
            .map(|(k, v)| Attribute::new(k, v))
            .collect(),
        None => Vec::new(),
    };
    for a in code_attributes {
        upsert(&mut resource, a.clone());
    }
    let service_name = code_service_name
        .or_else(|| env.get("OTEL_SERVICE_NAME"))
        .or_else(|| {
            resource
                .iter()
                .find(|a| a.key == "service.name")
                .map(|a| a.value.to_string())
        })
        .unwrap_or_else(|| default_service_name.to_owned());
    resource.retain(|a| a.key != "service.name");
    Ok((service_name, resource))
}

/// Every attribute of the resource, sorted by key: the SDK's `telemetry.sdk.*`, then the
/// detected attributes (when `detect`), then the configured ones, then `service.name`, each
/// later one winning on the same key.
pub(crate) fn attributes(
    service_name: &str,
    configured: &[Attribute],
    detect: bool,
) -> Vec<Attribute> {
    let sdk = opentelemetry_sdk::resource::TelemetryResourceDetector.detect();
    let mut out: Vec<Attribute> = sdk
        .iter()
        .map(|(k, v)| Attribute::new(k.as_str().to_owned(), detect::from_otel(v)))
        .collect();
    if detect {
        for a in detect::detected() {
            upsert(&mut out, a.clone());
        }
    }
    for a in configured {
        upsert(&mut out, a.clone());
    }
    upsert(
        &mut out,
        Attribute::new(
            "service.name",
            AttributeValue::from(service_name.to_owned()),
        ),
    );
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The SDK resource holding exactly `attributes`.
pub(crate) fn sdk(attributes: &[Attribute]) -> Resource {
    Resource::builder_empty()
        .with_attributes(attributes.iter().map(convert::key_value))
        .build()
}

fn upsert(list: &mut Vec<Attribute>, a: Attribute) {
    match list.iter_mut().find(|x| x.key == a.key) {
        Some(e) => e.value = a.value,
        None => list.push(a),
    }
}
