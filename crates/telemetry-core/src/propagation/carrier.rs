//! [`Extractor`] and [`Injector`]: header carriers, independent of any HTTP crate, and their
//! implementations for `HashMap`.

use std::collections::HashMap;

/// The `traceparent` header name.
pub const TRACEPARENT: &str = "traceparent";
/// The `tracestate` header name.
pub const TRACESTATE: &str = "tracestate";
/// The `baggage` header name.
pub const BAGGAGE: &str = "baggage";

/// Reads header values from a request (or any string map).
///
/// Header names are lowercase ASCII; implementations for case-sensitive maps must match
/// case-insensitively (W3C Trace Context Level 2 §3.2.1 and §3.3.1: header names are ASCII
/// case-insensitive).
pub trait Extractor {
    /// The value for `key`, if present and valid UTF-8 (the first, when there are several).
    fn get(&self, key: &str) -> Option<&str>;

    /// Every key present, for propagators that scan (for example baggage prefixes).
    fn keys(&self) -> Vec<&str>;

    /// Every field value of `key`, in the order received (RFC 9110 §5.3 Field Order): an HTTP
    /// message may carry a header as several field lines, and `tracestate` and `baggage` must
    /// then be combined, while two `traceparent` fields make the message's trace context
    /// invalid.
    ///
    /// The default returns [`get`](Self::get)'s one value; carriers that can hold several
    /// values of a name override it. A value that is not valid UTF-8 should be returned as
    /// `"\u{FFFD}"` rather than skipped, so that it still counts (and fails validation).
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.get(key).into_iter().collect()
    }
}

/// Writes header values into an outgoing request (or any string map).
pub trait Injector {
    /// Sets `key` to `value`, replacing any previous value.
    fn set(&mut self, key: &str, value: String);
}

/// A map holds one value per exact key, so several values of a name only occur as keys that
/// differ in case; [`get_all`](Extractor::get_all) returns those in the map's (unspecified)
/// order.
impl<S: std::hash::BuildHasher> Extractor for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key)
            .or_else(|| {
                self.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Vec<&str> {
        self.iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl<S: std::hash::BuildHasher> Injector for HashMap<String, String, S> {
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_ascii_lowercase(), value);
    }
}

/// Header fields as received, in order, one entry per field line: a carrier that keeps
/// repeated names (`vec![("tracestate", "a=1"), ("tracestate", "b=2")]`), for tests and for
/// protocols whose headers are a list of pairs.
impl<K: AsRef<str>, V: AsRef<str>> Extractor for Vec<(K, V)> {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_ref())
    }

    fn keys(&self) -> Vec<&str> {
        self.iter().map(|(k, _)| k.as_ref()).collect()
    }

    fn get_all(&self, key: &str) -> Vec<&str> {
        self.iter()
            .filter(|(k, _)| k.as_ref().eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_ref())
            .collect()
    }
}

/// Replaces the lines named `key` (any case) with one lowercase line at the end.
impl Injector for Vec<(String, String)> {
    fn set(&mut self, key: &str, value: String) {
        self.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.push((key.to_ascii_lowercase(), value));
    }
}
