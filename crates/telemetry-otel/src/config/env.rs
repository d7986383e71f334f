//! Reading `OTEL_*` values: the environment source, and the parsers for the value shapes the
//! specification shares between variables (booleans, milliseconds, counts, `key=value` lists).
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*: empty values count as
//! unset, and enum values are case-insensitive.

use std::borrow::Cow;
use std::time::Duration;

use crate::config::error::ConfigError;

/// Where environment values come from: the process environment by default, any function in
/// tests (environment mutation is `unsafe` in edition 2024 and races between parallel tests).
pub type EnvSource = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads the env source; empty or white-space values count as unset (spec: "empty value").
pub(crate) struct Env<'a>(pub(crate) &'a (dyn Fn(&str) -> Option<String> + Send + Sync));

impl Env<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ConfigError::new(name.to_owned(), v, "true or false")),
        }
    }

    pub(crate) fn millis(&self, name: &str) -> Result<Option<Duration>, ConfigError> {
        self.get(name)
            .map(|v| parse_millis(name.to_owned(), &v))
            .transpose()
    }

    pub(crate) fn count(&self, name: &str) -> Result<Option<u32>, ConfigError> {
        self.get(name)
            .map(|v| {
                v.parse::<u32>().map_err(|_| {
                    ConfigError::new(
                        name.to_owned(),
                        v,
                        "a non-negative integer (at most 4294967295)",
                    )
                })
            })
            .transpose()
    }

    pub(crate) fn positive(&self, name: &str) -> Result<Option<usize>, ConfigError> {
        self.get(name)
            .map(|v| match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ConfigError::new(name.to_owned(), v, "a positive integer")),
            })
            .transpose()
    }
}

pub(crate) fn parse_millis(
    var: impl Into<Cow<'static, str>>,
    v: &str,
) -> Result<Duration, ConfigError> {
    v.parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::new(var, v, "a non-negative integer number of milliseconds"))
}

pub(crate) fn upsert(list: &mut Vec<(String, String)>, k: String, v: String) {
    match list.iter_mut().find(|(key, _)| *key == k) {
        Some(e) => e.1 = v,
        None => list.push((k, v)),
    }
}

/// `key=value,key2=value2` with percent-encoded values (W3C Baggage octet rules), as both
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` use.
pub(crate) fn parse_key_values(
    var: impl Into<Cow<'static, str>>,
    v: &str,
    what: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    let var = var.into();
    let mut out = Vec::new();
    for item in v.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let bad = || {
            ConfigError::new(
                var.clone(),
                v,
                format!(
                    "{what} as comma-separated key=value pairs with non-empty keys and \
                     percent-encoded values, e.g. key1=value1,key2=value%202"
                ),
            )
        };
        let (k, val) = item.split_once('=').ok_or_else(bad)?;
        let k = k.trim();
        if k.is_empty() {
            return Err(bad());
        }
        let val = percent_decode(val.trim()).ok_or_else(bad)?;
        upsert(&mut out, k.to_owned(), val);
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
