//! `http.request.method`: known methods as they are, any other as `_OTHER` with the original
//! in `http.request.method_original`, and `HTTP` in the span name (semantic-conventions
//! v1.41.0, `docs/http/http-spans.md`, *Name* and note 1 on `http.request.method`).

use std::sync::Arc;

use http::Method;

/// The environment variable the conventions name for overriding the known methods: a
/// comma-separated, case-sensitive list that replaces the default list.
pub const KNOWN_METHODS_ENV: &str = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

/// The default known methods: RFC 9110's, `PATCH` (RFC 5789) and `QUERY`.
const DEFAULT: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
];

/// The HTTP methods recorded as they are; any other is recorded as `_OTHER`.
///
/// Method names are case-sensitive: `get` is not `GET`, so it is `_OTHER` with
/// `http.request.method_original = "get"`.
#[derive(Clone, Debug)]
pub struct KnownMethods(Arc<[Arc<str>]>);

impl Default for KnownMethods {
    fn default() -> Self {
        Self(DEFAULT.iter().map(|m| Arc::from(*m)).collect())
    }
}

impl KnownMethods {
    /// Exactly `methods`, replacing the defaults (not added to them).
    pub fn new<I, S>(methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self(methods.into_iter().map(|m| Arc::from(m.as_ref())).collect())
    }

    /// The list [`KNOWN_METHODS_ENV`] gives (empty items skipped, surrounding spaces
    /// trimmed), or the defaults when it is unset. `Some("")` gives an empty list: every
    /// method is then `_OTHER`, as a full override of the defaults means.
    pub fn from_env_value(value: Option<&str>) -> Self {
        match value {
            Some(v) => Self::new(v.split(',').map(str::trim).filter(|m| !m.is_empty())),
            None => Self::default(),
        }
    }

    /// The list the process environment gives through [`KNOWN_METHODS_ENV`].
    pub fn from_env() -> Self {
        Self::from_env_value(std::env::var(KNOWN_METHODS_ENV).ok().as_deref())
    }

    /// The method as recorded: `(http.request.method, http.request.method_original)`, the
    /// second set only when the method is not known.
    pub fn classify(&self, method: &Method) -> (Arc<str>, Option<Arc<str>>) {
        let m = method.as_str();
        match self.0.iter().find(|k| ***k == *m) {
            Some(known) => (known.clone(), None),
            None => (Arc::from(OTHER), Some(Arc::from(m))),
        }
    }
}

/// `http.request.method` for a method the instrumentation does not know.
pub const OTHER: &str = "_OTHER";

/// The `{method}` part of a span name: the method, or `HTTP` for `_OTHER`.
pub fn span_name_method(method: &str) -> &str {
    if method == OTHER { "HTTP" } else { method }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_are_kept_and_others_are_other_with_the_original() {
        let k = KnownMethods::default();
        assert_eq!(k.classify(&Method::GET), (Arc::from("GET"), None));
        let query = Method::from_bytes(b"QUERY").unwrap();
        assert_eq!(k.classify(&query).0.as_ref(), "QUERY");
        let (m, original) = k.classify(&Method::from_bytes(b"PURGE").unwrap());
        assert_eq!((m.as_ref(), original.as_deref()), ("_OTHER", Some("PURGE")));
        // Case-sensitive.
        let (m, original) = k.classify(&Method::from_bytes(b"get").unwrap());
        assert_eq!((m.as_ref(), original.as_deref()), ("_OTHER", Some("get")));
        assert_eq!(span_name_method("_OTHER"), "HTTP");
    }

    #[test]
    fn the_env_list_replaces_the_defaults() {
        let k = KnownMethods::from_env_value(Some(" GET , PURGE,,"));
        let purge = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(k.classify(&purge), (Arc::from("PURGE"), None));
        assert_eq!(k.classify(&Method::POST).0.as_ref(), "_OTHER");
        let none = KnownMethods::from_env_value(Some(""));
        assert_eq!(none.classify(&Method::GET).0.as_ref(), "_OTHER");
        assert_eq!(
            KnownMethods::from_env_value(None)
                .classify(&Method::PUT)
                .0
                .as_ref(),
            "PUT"
        );
    }
}
