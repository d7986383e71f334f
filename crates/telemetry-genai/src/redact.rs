//! Redaction: every content string and error message passes a [`Redactor`] before anything
//! is recorded.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::secrets;

/// Runs on every string before it is recorded. Implementations must not panic and should be
/// fast: they run on the caller's thread.
///
/// Chain two with [`RedactorExt::then`]: `MyRedactor.then(DefaultRedactor)` runs yours
/// first, `DefaultRedactor.then(MyRedactor)` runs it after the default one.
pub trait Redactor: Send + Sync {
    /// The text with secrets masked; `Cow::Borrowed` when nothing changed.
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str>;

    /// Redacts a JSON value in place: a string, number or container under a
    /// [sensitive key](is_sensitive_key) becomes `"[REDACTED:secret-assignment]"` (booleans
    /// and nulls stay), every other string goes through [`redact`](Self::redact).
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
                    if is_sensitive_key(k) && !matches!(v, Value::Null | Value::Bool(_)) {
                        *v = Value::String(mask(ASSIGNMENT_RULE));
                    } else {
                        self.redact_json(v);
                    }
                }
            }
            _ => {}
        }
    }
}

impl<R: Redactor + ?Sized> Redactor for Box<R> {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        (**self).redact(text)
    }

    fn redact_json(&self, value: &mut Value) {
        (**self).redact_json(value);
    }
}

impl<R: Redactor + ?Sized> Redactor for std::sync::Arc<R> {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        (**self).redact(text)
    }

    fn redact_json(&self, value: &mut Value) {
        (**self).redact_json(value);
    }
}

/// Two redactors in a row: `A` first, then `B` on its output ([`RedactorExt::then`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Chain<A, B> {
    /// Runs first.
    pub first: A,
    /// Runs on the output of `first`.
    pub second: B,
}

impl<A: Redactor, B: Redactor> Redactor for Chain<A, B> {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.first.redact(text) {
            Cow::Borrowed(t) => self.second.redact(t),
            Cow::Owned(t) => Cow::Owned(self.second.redact(&t).into_owned()),
        }
    }

    fn redact_json(&self, value: &mut Value) {
        self.first.redact_json(value);
        self.second.redact_json(value);
    }
}

/// Chaining for every [`Redactor`].
///
/// ```
/// use std::borrow::Cow;
/// use telemetry_genai::{DefaultRedactor, Redactor, RedactorExt};
///
/// struct Employees;
/// impl Redactor for Employees {
///     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
///         if text.contains("E-1234") { text.replace("E-1234", "[REDACTED:employee-id]").into() } else { text.into() }
///     }
/// }
/// let r = Employees.then(DefaultRedactor);
/// assert_eq!(r.redact("E-1234 set password=hunter2 today"),
///            "[REDACTED:employee-id] set password=[REDACTED:secret-assignment] today");
/// ```
pub trait RedactorExt: Redactor + Sized {
    /// `self`, then `next` on its output.
    fn then<B: Redactor>(self, next: B) -> Chain<Self, B> {
        Chain {
            first: self,
            second: next,
        }
    }
}

impl<R: Redactor + Sized> RedactorExt for R {}

/// How every mask starts: a mask is `[REDACTED:<rule-id>]`.
pub const MASK_PREFIX: &str = "[REDACTED:";

const ASSIGNMENT_RULE: &str = "secret-assignment";

/// The mask for a secret found by `rule`: `[REDACTED:<rule>]`, e.g.
/// `[REDACTED:github-pat]`.
pub fn mask(rule: &str) -> String {
    format!("{MASK_PREFIX}{rule}]")
}

/// Key-name endings that mark a secret (compared without case, `-`, `_` and `.`).
const SENSITIVE_SUFFIXES: &[&str] = &[
    "authorization",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "accountkey",
    "privatekey",
    "sessionkey",
    "signingkey",
    "credential",
    "credentials",
    "cookie",
];

/// Whether a JSON object key names a secret: after removing case, `-`, `_` and `.`, it ends
/// in `authorization`, `password`, `passwd`, `passphrase`, `secret`, `token`, `apikey`,
/// `accesskey`, `accountkey`, `privatekey`, `sessionkey`, `signingkey`, `credential(s)` or
/// `cookie` (`Authorization`, `x-api-key`, `db_password`, `aws_secret_access_key`,
/// `refresh_token`; not `max_tokens` or `token_count`).
pub fn is_sensitive_key(key: &str) -> bool {
    let mut norm = [0u8; 64];
    let mut n = 0;
    for c in key.bytes().rev() {
        if matches!(c, b'-' | b'_' | b'.') {
            continue;
        }
        if n == norm.len() {
            break;
        }
        norm[n] = c.to_ascii_lowercase();
        n += 1;
    }
    let rev = &norm[..n];
    SENSITIVE_SUFFIXES
        .iter()
        .any(|s| rev.len() >= s.len() && rev.iter().zip(s.bytes().rev()).all(|(a, b)| *a == b))
}

/// The default redactor: the gitleaks default ruleset (v8.30.1, 217 rules: cloud, model
/// provider, VCS, CI, chat, payment and many other vendors' keys, JWTs, PEM private keys)
/// plus this crate's own rules, each secret replaced by `[REDACTED:<rule-id>]` and nothing
/// else touched. The own rules:
///
/// | id | masks |
/// | --- | --- |
/// | `secret-assignment` | the value assigned to a key whose name ends in `password`, `passwd`, `passphrase`, `pwd`, `secret`, `token`, `api_key`/`apikey`, `access_key`, `account_key`, `private_key`, `client_secret`, `credential(s)`, `session_key`, `auth_key`, `signing_key` with `=`, `:`, `=>` or `:=` (env, YAML, JSON, header, query string, code); a quoted value up to its closing quote, an unquoted one up to white space, a quote or the end of the text (through `&`, `;`, `#`: a URL's next query parameter is masked with it); type names and literals (`String`, `false`, `null`) are kept |
/// | `authorization` | the credentials of an `Authorization`/`Proxy-Authorization` header or key, keeping the scheme (`Bearer`, `Basic`, …) |
/// | `bearer-token` | the token after `Bearer ` (8+ characters with a digit or symbol) |
/// | `url-credentials` | the password in `scheme://user:password@host` |
/// | `aws-secret-access-key` | a 40-character base64 key above 4.3 bits of entropy per character within 64 characters after `aws` or `secret` |
/// | `sk-api-key` | `sk-` keys (OpenAI, Anthropic, DeepSeek) of 20+ characters |
/// | `mistral-api-key` | 32 alphanumerics after `mistral` |
/// | `gcp-oauth-access-token` | `ya29.` Google OAuth access tokens |
/// | `high-entropy-near-keyword` | a token of 16+ characters mixing letters and digits, not starting with `/` (paths), above 3.5 bits of entropy per character, among the 4 tokens within 48 bytes after `secret`, `password`, `passwd`, `token`, `api key`, `apikey`, `access key`, `private key`, `credential` or `auth` |
///
/// Gitleaks rules keep their `secretGroup` (only the secret is masked, not the key name
/// before it), entropy thresholds and allowlists, and end a secret at sentence punctuation
/// too; where the secret is a value assigned to a key (`generic-api-key`, the vendor
/// `key = value` rules, `authorization`), an unquoted one is masked to the end of its token,
/// as above. Placeholders (`${VAR}`, `true`, `xxxx`) are never masked. Overlapping secrets merge
/// into one mask. In JSON values, everything under a [sensitive key](is_sensitive_key) is
/// masked too.
///
/// ```
/// use telemetry_genai::{DefaultRedactor, Redactor};
/// let r = DefaultRedactor;
/// assert_eq!(r.redact("key sk-proj-abcdefghijklmnopqrstuvwx ok"), "key [REDACTED:sk-api-key] ok");
/// assert_eq!(r.redact("Authorization: Basic dXNlcjpwYXNz\nnext"),
///            "Authorization: Basic [REDACTED:authorization]\nnext");
/// assert_eq!(r.redact("password=hunter2 and the rest"),
///            "password=[REDACTED:secret-assignment] and the rest");
/// assert_eq!(r.redact("my secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, keep it"),
///            "my secret is [REDACTED:aws-secret-access-key], keep it");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRedactor;

impl DefaultRedactor {
    /// The vendored ruleset: `gitleaks v8.30.1`.
    pub const RULESET: &'static str = crate::secrets::VERSION;
}

/// A redactor that changes nothing (sensitive JSON keys are still masked by
/// [`Redactor::redact_json`] unless that is overridden too).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRedaction;

impl Redactor for NoRedaction {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
}

impl Redactor for DefaultRedactor {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let found = secrets::scanner().find(text);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 32 * found.len());
        let mut copied = 0;
        for f in found {
            out.push_str(&text[copied..f.start]);
            out.push_str(MASK_PREFIX);
            out.push_str(f.rule);
            out.push(']');
            copied = f.end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// Converts anything serialisable to a redacted JSON value.
pub(crate) fn redacted_value<T: Serialize + ?Sized>(value: &T, redactor: &dyn Redactor) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    redactor.redact_json(&mut v);
    v
}

#[cfg(test)]
mod tests;
