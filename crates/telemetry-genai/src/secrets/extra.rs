//! Rules gitleaks lacks, for text that is conversation rather than source code: assignments
//! of any value to a secret-named key, `Authorization` headers, bearer tokens, credentials in
//! URLs, AWS secret access keys after the word "secret", `sk-` model-provider keys without
//! gitleaks' version marker, Mistral keys, Google OAuth access tokens.

use crate::secrets::rule::Rule;

/// Key names whose assigned value is a secret: a name ending in one of these (`db_password`,
/// `GITHUB_TOKEN`, `aws_secret_access_key`, `X-Api-Key`, `AccountKey`).
const SECRET_KEY_NAMES: &str = r"(?:password|passwd|passphrase|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|account[_.-]?key|private[_.-]?key|client[_.-]?secret|credentials?|session[_.-]?key|auth[_.-]?key|signing[_.-]?key)";

/// Keywords for [`SECRET_KEY_NAMES`] (lower case, for the prefilter).
const SECRET_KEY_KEYWORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
];

/// Secret-like words for the high-entropy scan ([`NEAR_KEYWORDS`] are these).
pub(crate) const NEAR_KEYWORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "token",
    "api key",
    "api_key",
    "api-key",
    "apikey",
    "access key",
    "access_key",
    "private key",
    "credential",
    "auth",
];

/// Rule id of the high-entropy scan.
pub(crate) const NEAR_KEYWORD_ID: &str = "high-entropy-near-keyword";

/// A token this many bytes long or more is a candidate for the high-entropy scan.
pub(crate) const NEAR_MIN_LEN: usize = 16;
/// … and is masked when its Shannon entropy exceeds this (bits per byte; gitleaks' threshold
/// for its generic rule), it mixes letters and digits, and it starts within
/// [`NEAR_WINDOW`] bytes after a secret-like word.
pub(crate) const NEAR_ENTROPY: f64 = 3.5;
/// How far after a secret-like word the high-entropy scan looks, in bytes.
pub(crate) const NEAR_WINDOW: usize = 48;

fn has_digit_or_symbol(s: &[u8], _group: usize) -> bool {
    s.iter()
        .any(|c| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-'))
}

/// An `Authorization` value that is only the scheme (already-masked credentials follow).
fn not_scheme(s: &[u8], _group: usize) -> bool {
    ![
        "bearer",
        "basic",
        "token",
        "digest",
        "negotiate",
        "apikey",
        "sso-key",
        "dsn",
    ]
    .iter()
    .any(|w| s.eq_ignore_ascii_case(w.as_bytes()))
}

/// Unquoted assignment values that are code, not secrets: type names (`token: String`,
/// `secret: Option<String>`, `key: Dict[str, str]`), literals (`secret: false`). The value
/// runs to white space, so the code's punctuation after it (`str)`, `false,`) is left out of
/// the test.
fn not_code(s: &[u8]) -> bool {
    // A `]` closes a type's `[` (`Dict[str]`) or the code around (`f(x=[Secret])`).
    let opens = s.iter().filter(|c| **c == b'[').count();
    let mut closes = s.iter().filter(|c| **c == b']').count();
    let mut s = s;
    while let Some((&last, rest)) = s.split_last() {
        if last == b']' && closes > opens {
            closes -= 1;
        } else if !matches!(last, b')' | b'}' | b',' | b';' | b'.' | b':') {
            break;
        }
        s = rest;
    }
    let (name, args) = s.split_at(
        s.iter()
            .position(|c| matches!(c, b'<' | b'['))
            .unwrap_or(s.len()),
    );
    let type_name = name.first().is_some_and(u8::is_ascii_uppercase)
        && name.iter().all(u8::is_ascii_alphabetic)
        && (args.is_empty() || type_arguments(args));
    let literal = [
        &b"true"[..],
        b"false",
        b"null",
        b"none",
        b"nil",
        b"undefined",
        b"str",
        b"string",
        b"int",
        b"bool",
    ]
    .iter()
    .any(|l| s.eq_ignore_ascii_case(l));
    !(type_name || literal)
}

/// Whether `s` is a closed list of type arguments, `<…>` or `[…]` (`<String>`, `<u8>`,
/// `[str]`), without white space: a password that merely holds `<` or `[` is not one unless it
/// ends in the matching bracket, with the brackets balanced.
fn type_arguments(s: &[u8]) -> bool {
    let close = match s.first() {
        Some(b'<') => b'>',
        Some(b'[') => b']',
        _ => return false,
    };
    let mut depth = 0i32;
    for c in s {
        match c {
            b'<' | b'[' => depth += 1,
            b'>' | b']' => depth -= 1,
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b',' | b'&' | b'\'' | b':') => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && s.last() == Some(&close)
}

fn rule(id: &str, pattern: String, keywords: &[&str]) -> Rule {
    let mut r = Rule::new(id, pattern);
    r.keywords = keywords.iter().map(|k| (*k).to_owned()).collect();
    r
}

/// The own rules, format rules first.
pub(crate) fn rules() -> Vec<Rule> {
    let mut out = Vec::new();

    // A 40-character base64 AWS secret access key near "aws" or "secret". Above 4.3 bits per
    // byte: a 40-digit hex string (a git commit hash) has at most 4.
    let mut r = rule(
        "aws-secret-access-key",
        r"(?i)(?:aws|secret)[^\n]{0,64}?(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"
            .to_owned(),
        &["aws", "secret"],
    );
    r.entropy = Some(4.3);
    out.push(r);

    // `sk-` keys (OpenAI project, service-account and admin keys, Anthropic, DeepSeek, …)
    // that lack the `T3BlbkFJ` marker gitleaks' openai rule needs.
    out.push(rule(
        "sk-api-key",
        r"(?:^|[^A-Za-z0-9_-])(sk-[A-Za-z0-9_-]{20,})".to_owned(),
        &["sk-"],
    ));

    // Mistral keys: 32 alphanumerics within 24 characters after the word "mistral".
    let mut r = rule(
        "mistral-api-key",
        r#"(?i)mistral[\w .:=>'"\x60-]{0,24}?(?:^|[^A-Za-z0-9])([A-Za-z0-9]{32})(?:[^A-Za-z0-9]|$)"#
            .to_owned(),
        &["mistral"],
    );
    r.entropy = Some(3.0);
    out.push(r);

    out.push(rule(
        "gcp-oauth-access-token",
        r"(?:^|[^A-Za-z0-9_])(ya29\.[A-Za-z0-9_-]{20,})".to_owned(),
        &["ya29."],
    ));

    // `scheme://user:password@host`: the password only.
    out.push(rule(
        "url-credentials",
        r#"(?i)[a-z][a-z0-9+.-]{1,30}://[^\s:/?#@"'\x60<>]{1,128}:([^\s/?#@"'\x60<>]{1,256})@"#
            .to_owned(),
        &["://"],
    ));

    // `Authorization: Bearer x`, `Proxy-Authorization: Basic x`, JSON and env forms: the
    // credentials, keeping the scheme. The regex stops at `,` and `;` so that the scheme test
    // sees `Bearer` in `Authorization: Bearer, …`; the mask runs to the end of the token.
    let mut r = rule(
        "authorization",
        r#"(?i)authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token|digest|negotiate|apikey|sso-key|dsn)[ \t]+)?([^\s"'\x60,;\[][^\s"'\x60,;]*)"#
            .to_owned(),
        &["authorization"],
    );
    r.check = not_scheme;
    r.assigned = true;
    out.push(r);

    let mut r = rule(
        "bearer-token",
        r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/=-]{8,})".to_owned(),
        &["bearer"],
    );
    r.check = has_digit_or_symbol;
    out.push(r);

    // `name = value`, `name: value`, `"name": "value"`, `name => value`, `name := value` for a
    // secret-named key: the value only. A quoted value ends at its closing quote (JSON escapes
    // allowed); an unquoted one runs to white space, a quote or the end of the text, through
    // `&`, `;`, `#` and brackets (a password may hold them; over-masking a URL's next query
    // parameter is the price). It must not start with one of `,;&<>(){}[]=:\` (an empty
    // value, then the next parameter or code).
    // One regex, four forms after the operator: double-quoted, escaped-quoted (JSON text
    // inside a JSON string, `{\"secret\": \"x\"}`), single-quoted, unquoted (group 4, where
    // type names and literals are kept). The unquoted group stops at a backslash, where
    // [`value_end`](crate::secrets::rule::value_end) (the rule is `assigned`) tells an escaped
    // quote or newline from a backslash in the value. The match starts at the keyword: only
    // the value is masked, so the rest of the key name (`db_` in `db_password`) need not be
    // part of it.
    let key = format!("(?i){SECRET_KEY_NAMES}");
    let op = r#"(?:\\?["'])?[ \t]*(?:=>|:=|=|:)[ \t]*"#;
    let mut r = rule(
        "secret-assignment",
        format!(
            r#"{key}{op}(?:"((?:[^"\\\n]|\\.){{1,1024}})"|\\"((?:[^"\\\n]|\\[^"\n]){{1,1024}}?)\\"|'([^'\n]{{1,1024}})'|([^\s"'\x60,;&<>(){{}}\[\]=:\\][^\s"'\x60\\]*))"#
        ),
        SECRET_KEY_KEYWORDS,
    );
    r.generic = true;
    r.assigned = true;
    r.check = |s, group| group != 4 || not_code(s);
    out.push(r);
    out
}

/// Whether a token found by the high-entropy scan is masked: long enough, letters and digits
/// mixed, above [`NEAR_ENTROPY`], and not starting with `/`.
pub(crate) fn high_entropy(token: &[u8]) -> bool {
    // A path or URL path (`/usr/lib/x86_64`, `//host/v1`) is not a key.
    token.first() != Some(&b'/')
        && token.len() >= NEAR_MIN_LEN
        && token.iter().any(u8::is_ascii_digit)
        && token.iter().any(u8::is_ascii_alphabetic)
        && crate::secrets::rule::shannon_entropy(token) > NEAR_ENTROPY
}

/// A byte that can be part of a token in the high-entropy scan (base64, base64url, hex, JWT
/// and most API-key alphabets); `=` only as trailing padding, so `NAME=value` is two tokens.
pub(crate) fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'.' | b'~' | b'-')
}
