//! `tracing` fields read into scope attributes, a message, and the span kind and status that
//! `tracing-opentelemetry` users set through reserved field names.
//!
//! Reserved names, as `tracing-opentelemetry` 0.34 reads them: `otel.name` (span name),
//! `otel.kind` (`server`, `client`, `producer`, `consumer`, `internal`, any case),
//! `otel.status_code` (`ok`, `error`, `unset`), `otel.status_description`, and `error` (any
//! value but `false` marks the span failed). `message` is an event's message; `log.*` are the
//! metadata `tracing-log` adds to a `log` record, read through its normalised metadata instead.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use smallvec::SmallVec;
use telemetry_core::{Attribute, AttributeValue, SpanKind};
use tracing_core::field::{Field, Visit};

/// The `error.type` of a failure that a `tracing` field reported without a type, as the
/// semantic conventions (v1.41, `error.type`) prescribe for an unknown type.
pub(crate) const ERROR_TYPE_OTHER: &str = "_OTHER";

/// What a span's or an event's fields said.
#[derive(Default)]
pub(crate) struct Fields {
    /// Ordinary fields, as attributes. Inline for the common handful.
    pub(crate) attributes: SmallVec<[Attribute; 6]>,
    /// An event's `message`.
    pub(crate) message: Option<Message>,
    /// `otel.name`.
    pub(crate) name: Option<String>,
    /// `otel.kind`, when it names a kind.
    pub(crate) kind: Option<SpanKind>,
    /// `otel.status_code = "error"`.
    pub(crate) status_error: bool,
    /// `otel.status_description`.
    pub(crate) status_description: Option<String>,
    /// The `error` field, written as text.
    pub(crate) error: Option<String>,
}

impl Fields {
    /// The failure these fields report, if any: `(error.type, message)`.
    pub(crate) fn failure(&self) -> Option<(&'static str, &str)> {
        match (&self.error, self.status_error) {
            (Some(e), _) => Some((ERROR_TYPE_OTHER, e)),
            (None, true) => Some((
                ERROR_TYPE_OTHER,
                self.status_description.as_deref().unwrap_or_default(),
            )),
            (None, false) => None,
        }
    }

    /// Routes a text value: reserved names to their slot, others to an attribute.
    fn text(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => {
                let mut m = Message::default();
                m.push(&value);
                self.message = Some(m);
            }
            "otel.name" => self.name = Some(value),
            "otel.kind" => self.kind = parse_kind(&value),
            "otel.status_code" => self.status_error = value.eq_ignore_ascii_case("error"),
            "otel.status_description" => self.status_description = Some(value),
            "error" => self.error = Some(value),
            name if name.starts_with("log.") => {}
            name => self.attributes.push(Attribute::new(name, value)),
        }
    }

    /// Routes a non-text value: reserved names get its text, others keep its type.
    fn typed(&mut self, field: &Field, value: AttributeValue, text: impl FnOnce() -> String) {
        match field.name() {
            "error" if value.as_bool() == Some(false) => {}
            "message"
            | "otel.name"
            | "otel.kind"
            | "otel.status_code"
            | "otel.status_description"
            | "error" => self.text(field, text()),
            name if name.starts_with("log.") => {}
            name => self.attributes.push(Attribute::new(name, value)),
        }
    }
}

/// An event's message text, inline up to 128 bytes: formatting an event's message (a
/// `fmt::Arguments`) would otherwise allocate a `String` per event only to be read once.
#[derive(Default)]
pub(crate) struct Message(SmallVec<[u8; 128]>);

impl Message {
    fn push(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// The text. Read once per event: validating it again cost more than a tenth of the
    /// layer's own work on an event.
    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: the buffer is private and `push`, its only writer, appends whole `str`s, so
        // it always holds valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl fmt::Write for Message {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

/// Whether `name` is read by [`Fields`] itself rather than kept as an attribute.
fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "message"
            | "otel.name"
            | "otel.kind"
            | "otel.status_code"
            | "otel.status_description"
            | "error"
    ) || name.starts_with("log.")
}

fn parse_kind(s: &str) -> Option<SpanKind> {
    let kinds = [
        ("server", SpanKind::Server),
        ("client", SpanKind::Client),
        ("producer", SpanKind::Producer),
        ("consumer", SpanKind::Consumer),
        ("internal", SpanKind::Internal),
    ];
    kinds
        .into_iter()
        .find(|(name, _)| s.eq_ignore_ascii_case(name))
        .map(|(_, kind)| kind)
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            // Shared text: a scope keeps attribute text shared and the OpenTelemetry
            // implementation hands it to the SDK without copying, so one allocation here
            // replaces a `String` copied again downstream.
            name if !is_reserved(name) => {
                self.attributes
                    .push(Attribute::new(name, Arc::<str>::from(value)));
            }
            _ => self.text(field, value.to_owned()),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            // Most messages are short literals or `format_args!`: formatted on the stack.
            let mut m = Message::default();
            let _ = write!(m, "{value:?}");
            self.message = Some(m);
            return;
        }
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.text(field, s);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The error and its causes, as `tracing-opentelemetry` writes them: "outer: inner".
        let mut s = value.to_string();
        let mut source = value.source();
        while let Some(e) = source {
            let _ = write!(s, ": {e}");
            source = e.source();
        }
        self.text(field, s);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.typed(field, value.into(), || value.to_string());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        // Attribute integers are signed 64-bit (OTel common spec): a larger value keeps its
        // digits as text rather than wrapping.
        match i64::try_from(value) {
            Ok(v) => self.record_i64(field, v),
            Err(_) => self.text(field, value.to_string()),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.typed(field, value.into(), || value.to_string());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.typed(field, value.into(), || value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_longer_than_the_inline_buffer_are_kept_whole() {
        let long = "é".repeat(200);
        let mut m = Message::default();
        let _ = write!(m, "{long}: {}", 42);
        assert_eq!(m.as_str(), format!("{long}: 42"));
        assert!(m.0.spilled());
    }

    #[test]
    fn kinds_parse_in_any_case_and_unknown_ones_are_ignored() {
        assert_eq!(parse_kind("Server"), Some(SpanKind::Server));
        assert_eq!(parse_kind("CONSUMER"), Some(SpanKind::Consumer));
        assert_eq!(parse_kind("backend"), None);
    }

    #[test]
    fn an_error_field_wins_over_the_status_description() {
        let f = Fields {
            status_error: true,
            status_description: Some("bad gateway".into()),
            ..Fields::default()
        };
        assert_eq!(f.failure(), Some((ERROR_TYPE_OTHER, "bad gateway")));
        let f = Fields {
            error: Some("refused".into()),
            ..f
        };
        assert_eq!(f.failure(), Some((ERROR_TYPE_OTHER, "refused")));
        assert_eq!(Fields::default().failure(), None);
    }
}
