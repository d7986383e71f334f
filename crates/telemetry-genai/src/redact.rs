//! Redaction: every content string and error message passes a [`Redactor`] before anything
//! is recorded.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

/// Runs on every string before it is recorded. Implementations must not panic and should be
/// fast: they run on the caller's thread.
pub trait Redactor: Send + Sync {
    /// The text with secrets masked; `Cow::Borrowed` when nothing changed.
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str>;

    /// Redacts a JSON value in place: values under a [sensitive key](is_sensitive_key) become
    /// `"[REDACTED]"`, every other string goes through [`redact`](Self::redact).
    fn redact_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(o) => {
                for (k, v) in o.iter_mut() {
                    if is_sensitive_key(k) && !v.is_null() {
                        *v = Value::String(REDACTED.to_owned());
                    } else {
                        self.redact_json(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What a masked secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

const SENSITIVE_KEYS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api_key",
    "api-key",
    "apikey",
    "x-api-key",
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "secret",
    "token",
];

/// Whether a JSON object key names a secret (`authorization`, `api_key`, `x-api-key`,
/// `password`, `token`, …; case-insensitive).
pub fn is_sensitive_key(key: &str) -> bool {
    SENSITIVE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The default redactor. It masks:
///
/// - API keys by their well-known prefixes: `sk-` (OpenAI, Anthropic `sk-ant-`), `AKIA` (AWS),
///   `AIza` (Google), `ghp_`/`gho_`/`ghs_`/`github_pat_` (GitHub), `xoxb-`/`xoxp-` (Slack),
///   `glpat-` (GitLab), followed by at least 16 key characters;
/// - `Bearer <token>` (case-insensitive), keeping the word `Bearer`;
/// - the value after `Authorization`, `Proxy-Authorization`, `api_key`, `api-key`, `apikey`,
///   `x-api-key`, `access_token`, `client_secret` or `password` followed by `:` or `=` (header
///   lines, query strings, JSON text), up to the end of the line or a quote, `,`, `;`, `&`;
/// - in JSON values, everything under a [sensitive key](is_sensitive_key).
///
/// ```
/// use telemetry_genai::{DefaultRedactor, Redactor};
/// let r = DefaultRedactor;
/// assert_eq!(r.redact("key sk-proj-abcdefghijklmnopqrstuvwx ok"), "key [REDACTED] ok");
/// assert_eq!(r.redact("Authorization: Basic dXNlcjpwYXNz\nnext"), "Authorization: [REDACTED]\nnext");
/// assert_eq!(r.redact("curl -H 'Bearer abcdefgh12345678'"), "curl -H 'Bearer [REDACTED]'");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRedactor;

/// A redactor that changes nothing (sensitive JSON keys are still masked by
/// [`Redactor::redact_json`] unless that is overridden too).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRedaction;

impl Redactor for NoRedaction {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
}

const KEY_PREFIXES: &[&str] = &[
    "sk-",
    "AKIA",
    "AIza",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "glpat-",
];
const VALUE_KEYS: &[&str] = &[
    "proxy-authorization",
    "authorization",
    "x-api-key",
    "api_key",
    "api-key",
    "apikey",
    "access_token",
    "client_secret",
    "password",
];

fn starts_with_ci(b: &[u8], at: usize, word: &str) -> bool {
    b.len() >= at + word.len() && b[at..at + word.len()].eq_ignore_ascii_case(word.as_bytes())
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// A secret starting at byte `i` (an ASCII position): `(end, bytes of s[i..] to keep before
/// the mask)`. Every position returned is a char boundary because it is next to an ASCII byte.
fn secret_at(s: &str, i: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    for p in KEY_PREFIXES {
        if b[i..].starts_with(p.as_bytes()) {
            let end = i + b[i..].iter().take_while(|c| is_key_char(**c)).count();
            if end - i >= p.len() + 16 {
                return Some((end, 0));
            }
        }
    }
    if starts_with_ci(b, i, "bearer") {
        let mut j = i + 6;
        let spaces = b[j..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        j += spaces;
        let len = b[j..].iter().take_while(|c| is_token_char(**c)).count();
        if spaces > 0 && len >= 8 {
            return Some((j + len, j - i));
        }
    }
    for k in VALUE_KEYS {
        if !starts_with_ci(b, i, k) {
            continue;
        }
        let mut j = i + k.len();
        if j < b.len() && is_key_char(b[j]) {
            continue;
        }
        if j < b.len() && matches!(b[j], b'"' | b'\'') {
            j += 1;
        }
        j += b[j..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        if j >= b.len() || !matches!(b[j], b':' | b'=') {
            continue;
        }
        j += 1;
        j += b[j..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        let (start, end) = if j < b.len() && matches!(b[j], b'"' | b'\'') {
            let q = b[j];
            let len = b[j + 1..].iter().take_while(|c| **c != q).count();
            (j + 1, j + 1 + len)
        } else {
            let len = b[j..]
                .iter()
                .take_while(|c| {
                    !matches!(c, b'\n' | b'\r' | b'"' | b'\'' | b',' | b';' | b'&' | b'}')
                })
                .count();
            (j, j + len)
        };
        if end > start {
            return Some((end, start - i));
        }
    }
    None
}

impl Redactor for DefaultRedactor {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let b = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphabetic() {
                if let Some((end, keep)) = secret_at(text, i) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..i + keep]);
                    o.push_str(REDACTED);
                    i = end;
                    copied = end;
                    continue;
                }
            }
            i += 1;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(&text[copied..]);
                Cow::Owned(o)
            }
        }
    }
}

/// Converts anything serialisable to a redacted JSON value.
pub(crate) fn redacted_value<T: Serialize + ?Sized>(value: &T, redactor: &dyn Redactor) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    redactor.redact_json(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_redactor_masks_keys_tokens_and_authorization() {
        let r = DefaultRedactor;
        let cases = [
            (
                "use sk-ant-api03-abcdefghijklmnop1234 now",
                "use [REDACTED] now",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE.", "aws [REDACTED]."),
            ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "[REDACTED]"),
            ("bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "bearer [REDACTED]"),
            (
                "{\"Authorization\": \"Bearer abc.def\"}",
                "{\"Authorization\": \"[REDACTED]\"}",
            ),
            ("GET /x?api_key=12345&q=1", "GET /x?api_key=[REDACTED]&q=1"),
            ("x-api-key: secretvalue\r\n", "x-api-key: [REDACTED]\r\n"),
            ("password = hunter2, ok", "password = [REDACTED], ok"),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(input), want, "{input}");
        }
        for unchanged in [
            "ask-me anything",
            "the sk- prefix alone",
            "an authorization step",
            "Bearer short",
            "naïve ünïcode sk-",
            "",
        ] {
            assert!(
                matches!(r.redact(unchanged), Cow::Borrowed(_)),
                "{unchanged}"
            );
        }
    }

    #[test]
    fn json_redaction_masks_sensitive_keys_and_strings() {
        let mut v = json!({"headers": {"Authorization": "Basic abc", "accept": "json"},
                           "note": "token sk-abcdefghijklmnopqrstuvwxyz", "n": 1});
        DefaultRedactor.redact_json(&mut v);
        assert_eq!(
            v,
            json!({"headers": {"Authorization": "[REDACTED]", "accept": "json"},
                   "note": "token [REDACTED]", "n": 1})
        );
    }
}
