//! Line formats: [`LogFormat`] (text or JSON lines), [`ColorChoice`], and the formatting of
//! one [`LogRecord`] into one line.

use std::fmt;
use std::io::Write as _;
use std::str::FromStr;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use telemetry_core::implement::LogRecord;
use telemetry_core::{Attribute, AttributeSet, AttributeValue, LogLevel};

/// How a logger renders a record: one line per record either way.
///
/// **Text** (for people):
///
/// ```text
/// 2026-11-21T10:00:00.123456Z INFO  [4bf92f3577b34da6a3ce929d0e0e4736][POST /v1/sessions][invoke_agent planner] session created agent=planner note="two words"
/// ```
///
/// - timestamp: RFC 3339, UTC, microseconds;
/// - level: the OpenTelemetry severity text (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`,
///   `FATAL`; Logs data model, *Displaying Severity*) padded to 5 characters;
/// - `[correlation id]`, 32 lowercase hex characters, or `[-]` outside any scope;
/// - one `[name]` per scope, root first (none outside any scope);
/// - the message, then the call's attributes as `key=value`. A value (or key) that is empty or
///   holds white space, `"`, `=`, `\` or a control character is double-quoted with `\"`, `\\`,
///   `\n`, `\r`, `\t` and `\u{..}` escapes. Arrays render as `"[a, b]"`. Newlines and other
///   control characters in the message are escaped the same way (without quotes), so a
///   record is always exactly one line.
///
/// **JSON** (for machines): one object per line with the keys, in this order:
///
/// | key | type | value |
/// | --- | --- | --- |
/// | `timestamp` | string | RFC 3339, UTC, microseconds |
/// | `level` | string | [`LogLevel::as_str`]: `trace` … `critical` |
/// | `message` | string | the message |
/// | `correlation_id` | string or `null` | 32 lowercase hex; `null` outside any scope |
/// | `span_id` | string or `null` | 16 lowercase hex; `null` outside any scope |
/// | `scope_path` | array of strings | scope names, root first; `[]` outside any scope |
/// | `attributes` | object | the call's attributes: strings, integers (i64), floats, booleans, arrays; non-finite floats as the strings `"NaN"`, `"inf"`, `"-inf"`; for a repeated key the last value wins |
///
/// The keys are always present (`null` rather than omitted), so every line has one schema.
/// Only the call's own attributes are written, not the scope's: scope attributes are
/// reachable through the scope, and repeating them on every line would multiply log volume.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LogFormat {
    /// Human-readable text lines.
    #[default]
    Text,
    /// JSON lines (one object per line).
    Json,
}

impl LogFormat {
    /// The name as parsed by [`FromStr`]: `text` or `json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }

    /// Appends `record` as one line, ending in `\n`, to `out`. `color` adds ANSI colours to
    /// the level in the text format (the JSON format ignores it).
    pub fn write_record(self, record: &LogRecord<'_>, color: bool, out: &mut Vec<u8>) {
        match self {
            Self::Text => write_text(record, color, out),
            Self::Json => write_json(record, out),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An unrecognised [`LogFormat`] or [`ColorChoice`] string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFormatError {
    what: &'static str,
    input: String,
    expected: &'static str,
}

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} {:?}: expected one of {} (case-insensitive)",
            self.what, self.input, self.expected
        )
    }
}

impl std::error::Error for ParseFormatError {}

/// Parses `text` or `json`, ignoring case and surrounding white space.
impl FromStr for LogFormat {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("text") {
            Ok(Self::Text)
        } else if t.eq_ignore_ascii_case("json") {
            Ok(Self::Json)
        } else {
            Err(ParseFormatError {
                what: "log format",
                input: s.to_owned(),
                expected: "text, json",
            })
        }
    }
}

/// Whether the text format colours the level with ANSI escapes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColorChoice {
    /// Colours only when the writer is the process's stdout, stdout is a terminal
    /// ([`std::io::IsTerminal`]) and the `NO_COLOR` environment variable is unset or empty
    /// (<https://no-color.org>).
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// The name as parsed by [`FromStr`]: `auto`, `always` or `never`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }

    /// Decides for a writer; `writer_is_stdout` tells whether it is the process's stdout.
    pub fn resolve(self, writer_is_stdout: bool) -> bool {
        use std::io::IsTerminal;
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => {
                writer_is_stdout
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

impl fmt::Display for ColorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Parses `auto`, `always` or `never`, ignoring case and surrounding white space.
impl FromStr for ColorChoice {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        [Self::Auto, Self::Always, Self::Never]
            .into_iter()
            .find(|c| t.eq_ignore_ascii_case(c.as_str()))
            .ok_or_else(|| ParseFormatError {
                what: "color choice",
                input: s.to_owned(),
                expected: "auto, always, never",
            })
    }
}

fn level_color(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "\x1b[35m",
        LogLevel::Debug => "\x1b[34m",
        LogLevel::Info => "\x1b[32m",
        LogLevel::Warning => "\x1b[33m",
        LogLevel::Error => "\x1b[31m",
        LogLevel::Critical => "\x1b[1;31m",
    }
}

fn write_text(record: &LogRecord<'_>, color: bool, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "{} ",
        humantime::format_rfc3339_micros(record.timestamp)
    );
    let level = record.level.severity_text();
    if color {
        let _ = write!(out, "{}{level:<5}\x1b[0m ", level_color(record.level));
    } else {
        let _ = write!(out, "{level:<5} ");
    }
    match record.context.correlation_id() {
        Some(id) => {
            let _ = write!(out, "[{id}]");
        }
        None => out.extend_from_slice(b"[-]"),
    }
    record.context.path().for_each(|name| {
        out.push(b'[');
        escape_into(name, out);
        out.push(b']');
    });
    out.push(b' ');
    escape_into(record.message, out);
    let mut scratch = String::new();
    for a in AttributeSet::effective(record.attributes) {
        out.push(b' ');
        write_text_token(&a.key, out);
        out.push(b'=');
        match &a.value {
            AttributeValue::String(s) => write_text_token(s, out),
            other => {
                scratch.clear();
                let _ = fmt::Write::write_fmt(&mut scratch, format_args!("{other}"));
                write_text_token(&scratch, out);
            }
        }
    }
    out.push(b'\n');
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=' | '\\'))
}

fn write_text_token(s: &str, out: &mut Vec<u8>) {
    if needs_quotes(s) {
        out.push(b'"');
        for c in s.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                _ => escape_char(c, out),
            }
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Copies `s`, escaping control characters so the record stays on one line.
fn escape_into(s: &str, out: &mut Vec<u8>) {
    if !s.chars().any(char::is_control) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        escape_char(c, out);
    }
}

fn escape_char(c: char, out: &mut Vec<u8>) {
    match c {
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn write_json(record: &LogRecord<'_>, out: &mut Vec<u8>) {
    let line = JsonLine {
        timestamp: humantime::format_rfc3339_micros(record.timestamp),
        level: record.level.as_str(),
        message: record.message,
        correlation_id: record.context.correlation_id().map(DisplayStr),
        span_id: record.context.span_id().map(DisplayStr),
        scope_path: ScopePathJson(record.context),
        attributes: AttributesJson(record.attributes),
    };
    // Serializing into a Vec fails only on a broken Serialize impl; never panic for it.
    if serde_json::to_writer(&mut *out, &line).is_err() {
        out.extend_from_slice(b"{\"message\":\"agent-telemetry: record could not be serialized\"}");
    }
    out.push(b'\n');
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(serialize_with = "serialize_display")]
    timestamp: humantime::Rfc3339Timestamp,
    level: &'static str,
    message: &'a str,
    correlation_id: Option<DisplayStr<telemetry_core::CorrelationId>>,
    span_id: Option<DisplayStr<telemetry_core::SpanId>>,
    scope_path: ScopePathJson<'a>,
    attributes: AttributesJson<'a>,
}

fn serialize_display<T: fmt::Display, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

struct DisplayStr<T>(T);

impl<T: fmt::Display> Serialize for DisplayStr<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

struct ScopePathJson<'a>(&'a telemetry_core::Context);

impl Serialize for ScopePathJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let path = self.0.path();
        let mut seq = s.serialize_seq(None)?;
        let mut result = Ok(());
        path.for_each(|name| {
            if result.is_ok() {
                result = seq.serialize_element(name);
            }
        });
        result?;
        seq.end()
    }
}

struct AttributesJson<'a>(&'a [Attribute]);

impl Serialize for AttributesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for a in AttributeSet::effective(self.0) {
            map.serialize_entry(&*a.key, &ValueJson(&a.value))?;
        }
        map.end()
    }
}

/// An attribute value as JSON: typed scalars and arrays, structured values as JSON arrays and
/// objects.
pub(crate) struct ValueJson<'a>(pub(crate) &'a AttributeValue);

struct FloatJson(f64);

impl Serialize for FloatJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl Serialize for ValueJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            AttributeValue::String(v) => s.serialize_str(v),
            AttributeValue::Bool(v) => s.serialize_bool(*v),
            AttributeValue::I64(v) => s.serialize_i64(*v),
            AttributeValue::F64(v) => FloatJson(*v).serialize(s),
            AttributeValue::StringArray(v) => s.collect_seq(v.iter().map(|x| &**x)),
            AttributeValue::BoolArray(v) => s.collect_seq(v),
            AttributeValue::I64Array(v) => s.collect_seq(v),
            AttributeValue::F64Array(v) => s.collect_seq(v.iter().map(|x| FloatJson(*x))),
            AttributeValue::Array(v) => s.collect_seq(v.iter().map(ValueJson)),
            AttributeValue::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for a in m {
                    map.serialize_entry(&*a.key, &ValueJson(&a.value))?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_known_names_and_names_the_bad_input() {
        assert_eq!(" JSON ".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert_eq!("text".parse::<LogFormat>(), Ok(LogFormat::Text));
        let e = "yaml".parse::<LogFormat>().unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid log format \"yaml\": expected one of text, json (case-insensitive)"
        );
        assert_eq!("Never".parse::<ColorChoice>(), Ok(ColorChoice::Never));
        let e = "sometimes".parse::<ColorChoice>().unwrap_err().to_string();
        assert!(
            e.contains("\"sometimes\"") && e.contains("auto, always, never"),
            "{e}"
        );
        assert_eq!(LogFormat::Json.to_string(), "json");
        assert_eq!(ColorChoice::Always.to_string(), "always");
    }

    #[test]
    fn text_tokens_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        for s in [
            "plain",
            "two words",
            "",
            "a=b",
            "q\"x",
            "line\nbreak",
            "back\\slash",
        ] {
            write_text_token(s, &mut out);
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"plain|"two words"|""|"a=b"|"q\"x"|"line\nbreak"|"back\\slash"|"#
        );
    }

    #[test]
    fn auto_color_is_off_for_other_writers() {
        assert!(!ColorChoice::Auto.resolve(false));
        assert!(ColorChoice::Always.resolve(false));
        assert!(!ColorChoice::Never.resolve(true));
    }
}
