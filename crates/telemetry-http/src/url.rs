//! `url.full` without secrets: credentials become `REDACTED:REDACTED`, and the values of
//! sensitive query keys become `REDACTED`, the key kept (semantic-conventions v1.41.0,
//! `model/url/registry.yaml`, `url.full` and `url.query`).

use std::borrow::Cow;

/// The query keys whose values are redacted by default, matched case-sensitively:
/// AWS S3's `AWSAccessKeyId` and `Signature`, Azure SAS `sig`, Google Cloud Storage's
/// `X-Goog-Signature`.
pub const SENSITIVE_QUERY_KEYS: &[&str] =
    &["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"];

/// `url` as `url.full`: user name and password replaced by `REDACTED` each, and the value of
/// every query parameter whose key is in `sensitive` replaced by `REDACTED`. The fragment is
/// kept. A URL without credentials or sensitive keys is returned unchanged.
pub fn redact_url(url: &str, sensitive: &[impl AsRef<str>]) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(&redact_userinfo(base));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&redact_query(q, sensitive));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `query` (without the `?`) as `url.query`: the value of every parameter whose key is in
/// `sensitive` replaced by `REDACTED`, the key kept (semantic-conventions v1.41.0,
/// `model/url/registry.yaml`, `url.query`). Borrowed when nothing is redacted.
pub fn redact_query<'a>(query: &'a str, sensitive: &[impl AsRef<str>]) -> Cow<'a, str> {
    let is_sensitive = |pair: &str| {
        pair.split_once('=')
            .is_some_and(|(k, _)| sensitive.iter().any(|s| s.as_ref() == k))
    };
    if !query.split('&').any(is_sensitive) {
        return Cow::Borrowed(query);
    }
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((k, _)) if is_sensitive(pair) => {
                out.push_str(k);
                out.push_str("=REDACTED");
            }
            _ => out.push_str(pair),
        }
    }
    Cow::Owned(out)
}

fn redact_userinfo(base: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://REDACTED:REDACTED@{host}{path}"),
        None => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_sensitive_query_values_are_redacted() {
        let r = |u| redact_url(u, SENSITIVE_QUERY_KEYS);
        assert_eq!(
            r("https://user:pass@example.com:8443/a/b?x=1&sig=abc&Signature=def#frag"),
            "https://REDACTED:REDACTED@example.com:8443/a/b?x=1&sig=REDACTED&Signature=REDACTED#frag"
        );
        assert_eq!(
            r("https://example.com/?SIG=keep"),
            "https://example.com/?SIG=keep"
        );
        assert_eq!(r("http://127.0.0.1:80/v1/x"), "http://127.0.0.1:80/v1/x");
        assert_eq!(
            r("https://token@example.com/"),
            "https://REDACTED:REDACTED@example.com/"
        );
        // An `@` in the path is not userinfo.
        assert_eq!(r("https://example.com/a@b"), "https://example.com/a@b");
        assert_eq!(
            redact_url("https://e.com/?api_key=1&b=2", &["api_key"]),
            "https://e.com/?api_key=REDACTED&b=2"
        );
        assert!(matches!(
            redact_query("a=1&b=2", SENSITIVE_QUERY_KEYS),
            Cow::Borrowed("a=1&b=2")
        ));
        assert_eq!(
            redact_query("X-Goog-Signature=x&a", SENSITIVE_QUERY_KEYS),
            "X-Goog-Signature=REDACTED&a"
        );
    }
}
