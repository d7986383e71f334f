//! Opt-in content: messages in the parts schema, tool definitions, redaction and size-bounded
//! JSON.
//!
//! Source: semantic conventions v1.41 `gen-ai-input-messages.json`,
//! `gen-ai-output-messages.json`, `gen-ai-system-instructions.json` and
//! `gen-ai-tool-definitions.json`. Content is recorded only when
//! [`CaptureMode`](crate::CaptureMode) allows it, always after the [`Redactor`] ran, and
//! always as valid JSON of at most
//! [`max_content_bytes`](crate::GenAiConfig::max_content_bytes) bytes.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

/// One part of a message.
///
/// Serialises as `{"type":"text","content":…}`, `{"type":"tool_call","id":…,"name":…,
/// "arguments":…}`, `{"type":"tool_call_response","id":…,"response":…}` or
/// `{"type":"reasoning","content":…}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        content: String,
    },
    /// A tool call the model requested.
    ToolCall {
        /// The tool call id, which the `execute_tool` span repeats as `gen_ai.tool.call.id`.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool name.
        name: String,
        /// The arguments, usually an object.
        #[serde(skip_serializing_if = "Value::is_null")]
        arguments: Value,
    },
    /// A tool's result, sent back to the model.
    ToolCallResponse {
        /// The id of the tool call this answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The result.
        response: Value,
    },
    /// Reasoning ("thinking") content.
    Reasoning {
        /// The reasoning text.
        content: String,
    },
}

impl Part {
    /// A text part.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            content: content.into(),
        }
    }
    /// A tool-call part.
    pub fn tool_call(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self::ToolCall {
            id: Some(id.into()),
            name: name.into(),
            arguments,
        }
    }
    /// A tool-call-response part.
    pub fn tool_call_response(id: impl Into<String>, response: Value) -> Self {
        Self::ToolCallResponse {
            id: Some(id.into()),
            response,
        }
    }
    /// A reasoning part.
    pub fn reasoning(content: impl Into<String>) -> Self {
        Self::Reasoning {
            content: content.into(),
        }
    }
}

/// A message role: `system`, `user`, `assistant`, `tool` or another string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `system`.
    System,
    /// `user`.
    User,
    /// `assistant`.
    Assistant,
    /// `tool`.
    Tool,
    /// Any other role, as the provider names it.
    Other(String),
}

impl Role {
    /// The role's string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A chat message: a role and parts, plus the finish reason for output messages.
///
/// ```
/// use telemetry_genai::{Message, Part};
/// let m = Message::user("What is 2+2?");
/// assert_eq!(serde_json::to_string(&m)?, r#"{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}"#);
/// let call = Message::assistant_parts(vec![Part::tool_call("call_1", "calc", serde_json::json!({"expr": "2+2"}))])
///     .with_finish_reason("tool_calls");
/// assert!(serde_json::to_string(&call)?.ends_with(r#""finish_reason":"tool_calls"}"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    /// The role.
    pub role: Role,
    /// The parts, in order.
    pub parts: Vec<Part>,
    /// The participant's name, if the provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why generation stopped (output messages only; omitted in *latest*, which moved it to
    /// `gen_ai.response.finish_reasons`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Message {
    /// A message of `role` with `parts`.
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Self {
            role,
            parts,
            name: None,
            finish_reason: None,
        }
    }
    /// A system message with one text part.
    pub fn system(text: impl Into<String>) -> Self {
        Self::new(Role::System, vec![Part::text(text)])
    }
    /// A user message with one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(Role::User, vec![Part::text(text)])
    }
    /// An assistant message with one text part.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(Role::Assistant, vec![Part::text(text)])
    }
    /// An assistant message with the given parts (text, tool calls, reasoning).
    pub fn assistant_parts(parts: Vec<Part>) -> Self {
        Self::new(Role::Assistant, parts)
    }
    /// A tool message answering tool call `id`.
    pub fn tool_result(id: impl Into<String>, response: Value) -> Self {
        Self::new(Role::Tool, vec![Part::tool_call_response(id, response)])
    }
    /// Sets the finish reason (output messages).
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }
    /// Sets the participant name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// The text of every text part, joined by newlines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            if let Part::Text { content } = p {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(content);
            }
        }
        out
    }
}

/// A tool offered to the model (`gen_ai.tool.definitions`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolDefinition {
    /// `function` for function tools.
    #[serde(rename = "type")]
    pub kind: String,
    /// The tool name.
    pub name: String,
    /// What it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON schema of its arguments.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub parameters: Value,
}

impl ToolDefinition {
    /// A function tool.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Self {
            kind: "function".to_owned(),
            name: name.into(),
            description: Some(description.into()),
            parameters,
        }
    }
}

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

/// Appended to a string that was cut to fit the size limit.
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// Keys under which strings are content and may be cut (role, type, ids and names never are).
const CUTTABLE_KEYS: &[&str] = &[
    "content",
    "arguments",
    "response",
    "result",
    "parameters",
    "description",
];

fn cut(s: &mut String, cap: usize) {
    if s.len() <= cap {
        return;
    }
    let mut at = cap;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s.truncate(at);
    s.push_str(TRUNCATION_MARKER);
}

fn cap_strings(v: &mut Value, cap: usize, cuttable: bool) {
    match v {
        Value::String(s) if cuttable => cut(s, cap),
        Value::Array(a) => a.iter_mut().for_each(|x| cap_strings(x, cap, cuttable)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                cap_strings(x, cap, cuttable || CUTTABLE_KEYS.contains(&k.as_str()));
            }
        }
        _ => {}
    }
}

fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(o) => o.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

fn to_json(v: &Value) -> String {
    // Serialising a `Value` cannot fail (keys are strings).
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// Serialises `value` to at most `max_bytes` bytes of valid JSON; `true` when it had to cut.
///
/// First every content string (under `content`, `arguments`, `response`, … or anywhere when
/// `value` is not an array of messages) longer than a common cap is cut to the cap plus
/// [`TRUNCATION_MARKER`], with the largest cap that fits (found by binary search, so the longest
/// texts shrink first). If that is not enough, whole leading array elements (the oldest
/// messages) are dropped. A non-array value that still does not fit becomes the JSON string
/// `"…[truncated]"`.
pub fn bounded_json(value: &Value, max_bytes: usize) -> (String, bool) {
    let full = to_json(value);
    if full.len() <= max_bytes {
        return (full, false);
    }
    if let Some(s) = fit_by_capping(value, max_bytes) {
        return (s, true);
    }
    if let Value::Array(items) = value {
        // The fewest leading (oldest) elements to drop so that the rest fits with every content
        // string cut to the marker; dropping more only shrinks it, so binary search works.
        let fits_at = |drop: usize| {
            let mut rest = Value::Array(items[drop..].to_vec());
            cap_strings(&mut rest, 0, false);
            to_json(&rest).len() <= max_bytes
        };
        let (mut lo, mut hi) = (1, items.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if fits_at(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let rest = Value::Array(items[lo..].to_vec());
        return match fit_by_capping(&rest, max_bytes) {
            Some(s) => (s, true),
            None => ("[]".to_owned(), true),
        };
    }
    (to_json(&Value::String(TRUNCATION_MARKER.to_owned())), true)
}

/// The value with its content strings cut to the largest common cap that fits, if any does.
fn fit_by_capping(value: &Value, max_bytes: usize) -> Option<String> {
    let full = to_json(value);
    if full.len() <= max_bytes {
        return Some(full);
    }
    let top_cuttable = !value.is_array();
    let capped = |cap: usize| {
        let mut v = value.clone();
        cap_strings(&mut v, cap, top_cuttable);
        to_json(&v)
    };
    let (mut lo, mut hi) = (0usize, longest_string(value));
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let s = capped(mid);
        if s.len() <= max_bytes {
            best = Some(s);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    best
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
    fn parts_serialise_to_the_v1_41_schema() {
        let m = Message::assistant_parts(vec![
            Part::reasoning("think"),
            Part::text("hi"),
            Part::tool_call("c1", "calc", json!({"x": 1})),
        ])
        .with_finish_reason("tool_calls");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"role": "assistant", "parts": [
                {"type": "reasoning", "content": "think"},
                {"type": "text", "content": "hi"},
                {"type": "tool_call", "id": "c1", "name": "calc", "arguments": {"x": 1}}
            ], "finish_reason": "tool_calls"})
        );
        assert_eq!(
            serde_json::to_value(Message::tool_result("c1", json!("4"))).unwrap(),
            json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "4"}]})
        );
    }

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

    fn messages(n: usize, len: usize) -> Value {
        let ms: Vec<Message> = (0..n)
            .map(|i| Message::user(format!("{i}:{}", "é".repeat(len))))
            .collect();
        serde_json::to_value(ms).unwrap()
    }

    #[test]
    fn bounded_json_keeps_small_values_and_cuts_large_ones_to_valid_json() {
        let v = messages(2, 10);
        let (s, cut) = bounded_json(&v, 1000);
        assert!(!cut);
        assert_eq!(s, serde_json::to_string(&v).unwrap());

        for max in [256, 300, 1000, 5000] {
            let (s, cut) = bounded_json(&messages(5, 2000), max);
            assert!(cut);
            assert!(s.len() <= max, "{} > {max}", s.len());
            let back: Value = serde_json::from_str(&s).expect("valid JSON");
            let arr = back.as_array().unwrap();
            assert!(!arr.is_empty());
            for m in arr {
                assert_eq!(m["role"], "user");
                assert!(
                    m["parts"][0]["content"]
                        .as_str()
                        .unwrap()
                        .ends_with(TRUNCATION_MARKER)
                );
            }
        }
    }

    #[test]
    fn bounded_json_drops_oldest_messages_when_cutting_text_is_not_enough() {
        let v = messages(40, 5);
        let (s, cut) = bounded_json(&v, 256);
        assert!(cut && s.len() <= 256);
        let back: Vec<Value> = serde_json::from_str(&s).unwrap();
        assert!(back.len() < 40);
        // The newest message survives.
        assert!(
            back.last().unwrap()["parts"][0]["content"]
                .as_str()
                .unwrap()
                .starts_with("39:")
        );
    }

    #[test]
    fn bounded_json_of_a_scalar_object_stays_json() {
        let v = json!({"query": "x".repeat(10_000)});
        let (s, cut) = bounded_json(&v, 256);
        assert!(cut && s.len() <= 256);
        let back: Value = serde_json::from_str(&s).unwrap();
        assert!(back["query"].as_str().unwrap().ends_with(TRUNCATION_MARKER));
    }
}
