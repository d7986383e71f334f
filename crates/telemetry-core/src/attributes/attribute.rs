//! Attributes: key/value pairs with OpenTelemetry's value set.
//!
//! Source: OpenTelemetry specification, *Common › Attribute*: a value is a string, boolean,
//! 64-bit signed integer or 64-bit float, or a homogeneous array of one of those. Log records
//! and events also take the structured `AnyValue` forms (*Logs Data Model › Type `any`*: a
//! heterogeneous array or a map of string keys to values, nested to any depth), which
//! [`AttributeValue::Array`] and [`AttributeValue::Map`] carry; a span attribute of either
//! form is exported as its JSON text, the fallback the semantic conventions name for
//! structured attributes on spans.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::attributes::string_value::StringValue;

/// An attribute key. `&'static str` keys never allocate.
pub type Key = Cow<'static, str>;

/// An attribute value, with the same value set as OpenTelemetry.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    /// A UTF-8 string. Static and shared strings clone without allocating (see
    /// [`StringValue`]).
    String(StringValue),
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    I64(i64),
    /// A 64-bit float.
    F64(f64),
    /// An array of strings.
    StringArray(Vec<StringValue>),
    /// An array of booleans.
    BoolArray(Vec<bool>),
    /// An array of 64-bit signed integers.
    I64Array(Vec<i64>),
    /// An array of 64-bit floats.
    F64Array(Vec<f64>),
    /// A heterogeneous array of any values, nested to any depth (OTLP `AnyValue.array_value`).
    ///
    /// Structured: a log record or event carries it as an OTLP array; a span attribute as
    /// its JSON text (see [`to_json`](Self::to_json)), since span attributes have no such type.
    Array(Vec<AttributeValue>),
    /// A map of string keys to any values, nested to any depth, in the given order
    /// (OTLP `AnyValue.kvlist_value`). Structured like [`Array`](Self::Array).
    ///
    /// ```
    /// use telemetry_core::{Attribute, AttributeValue};
    /// let part = AttributeValue::Map(vec![
    ///     Attribute::new("type", "text"),
    ///     Attribute::new("content", "Hi \"there\""),
    /// ]);
    /// let message = AttributeValue::Array(vec![part, AttributeValue::from(2)]);
    /// assert_eq!(message.to_json(), r#"[{"type":"text","content":"Hi \"there\""},2]"#);
    /// ```
    Map(Vec<Attribute>),
}

impl AttributeValue {
    /// The value as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an `f64`, if it is a float or an integer.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::F64(v) => Some(*v),
            Self::I64(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The value as a `bool`, if it is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(v) => Some(*v),
            _ => None,
        }
    }

    /// Whether the value is structured ([`Array`](Self::Array) or [`Map`](Self::Map)), which
    /// only log records and events carry as such.
    pub fn is_structured(&self) -> bool {
        matches!(self, Self::Array(_) | Self::Map(_))
    }

    /// The value as JSON text: strings quoted and escaped, arrays as JSON arrays, maps as
    /// JSON objects (keys in order; a repeated key is written as often as it occurs).
    /// Non-finite floats, which JSON cannot hold, are written as the strings `"NaN"`, `"inf"`
    /// and `"-inf"`. This is what a span attribute of a structured value is exported as.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = write_json(&mut out, self);
        out
    }
}

/// `value` as JSON, into `out` (see [`AttributeValue::to_json`]).
fn write_json(out: &mut dyn fmt::Write, value: &AttributeValue) -> fmt::Result {
    fn string(out: &mut dyn fmt::Write, s: &str) -> fmt::Result {
        out.write_char('"')?;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if (c as u32) < 0x20 => "",
                _ => continue,
            };
            out.write_str(&s[start..i])?;
            if escape.is_empty() {
                write!(out, "\\u{:04x}", c as u32)?;
            } else {
                out.write_str(escape)?;
            }
            start = i + c.len_utf8();
        }
        out.write_str(&s[start..])?;
        out.write_char('"')
    }
    fn float(out: &mut dyn fmt::Write, v: f64) -> fmt::Result {
        if v.is_finite() {
            // Rust prints integral floats without a point (`1`); JSON readers take both.
            write!(out, "{v}")
        } else if v.is_nan() {
            out.write_str("\"NaN\"")
        } else if v > 0.0 {
            out.write_str("\"inf\"")
        } else {
            out.write_str("\"-inf\"")
        }
    }
    fn seq<T>(
        out: &mut dyn fmt::Write,
        items: &[T],
        mut each: impl FnMut(&mut dyn fmt::Write, &T) -> fmt::Result,
    ) -> fmt::Result {
        out.write_char('[')?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.write_char(',')?;
            }
            each(out, item)?;
        }
        out.write_char(']')
    }
    match value {
        AttributeValue::String(s) => string(out, s),
        AttributeValue::Bool(b) => write!(out, "{b}"),
        AttributeValue::I64(i) => write!(out, "{i}"),
        AttributeValue::F64(f) => float(out, *f),
        AttributeValue::StringArray(a) => seq(out, a, |o, s| string(o, s)),
        AttributeValue::BoolArray(a) => seq(out, a, |o, b| write!(o, "{b}")),
        AttributeValue::I64Array(a) => seq(out, a, |o, i| write!(o, "{i}")),
        AttributeValue::F64Array(a) => seq(out, a, |o, f| float(o, *f)),
        AttributeValue::Array(a) => seq(out, a, |o, v| write_json(o, v)),
        AttributeValue::Map(m) => {
            out.write_char('{')?;
            for (i, a) in m.iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                string(out, &a.key)?;
                out.write_char(':')?;
                write_json(out, &a.value)?;
            }
            out.write_char('}')
        }
    }
}

/// Renders scalars plainly and arrays as `[a, b]`, as the console and text loggers show them;
/// structured values ([`Array`](AttributeValue::Array), [`Map`](AttributeValue::Map)) as JSON.
impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
            f.write_str("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                item.fmt(f)?;
            }
            f.write_str("]")
        }
        match self {
            Self::String(v) => f.write_str(v),
            Self::Bool(v) => v.fmt(f),
            Self::I64(v) => v.fmt(f),
            Self::F64(v) => v.fmt(f),
            Self::StringArray(v) => list(f, v),
            Self::BoolArray(v) => list(f, v),
            Self::I64Array(v) => list(f, v),
            Self::F64Array(v) => list(f, v),
            Self::Array(_) | Self::Map(_) => write_json(f, self),
        }
    }
}

macro_rules! from_scalar {
    ($($t:ty => $variant:ident as $conv:ty),* $(,)?) => {$(
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                Self::$variant(<$conv>::from(v))
            }
        }
    )*};
}

from_scalar!(
    bool => Bool as bool,
    i64 => I64 as i64,
    i32 => I64 as i64,
    i16 => I64 as i64,
    i8 => I64 as i64,
    u32 => I64 as i64,
    u16 => I64 as i64,
    u8 => I64 as i64,
    f64 => F64 as f64,
    f32 => F64 as f64,
);

/// `u64` and `usize` saturate at `i64::MAX`: OpenTelemetry integers are signed 64-bit.
impl From<u64> for AttributeValue {
    fn from(v: u64) -> Self {
        Self::I64(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

/// Saturates at `i64::MAX`, like `u64`.
impl From<usize> for AttributeValue {
    fn from(v: usize) -> Self {
        Self::from(v as u64)
    }
}

/// Every text form converts through [`StringValue`], keeping its form (static, owned, shared).
macro_rules! from_text {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                Self::String(StringValue::from(v))
            }
        }
    )*};
}

from_text!(
    &'static str,
    String,
    Arc<str>,
    Box<str>,
    Cow<'static, str>,
    StringValue
);

impl From<Vec<bool>> for AttributeValue {
    fn from(v: Vec<bool>) -> Self {
        Self::BoolArray(v)
    }
}

impl From<Vec<i64>> for AttributeValue {
    fn from(v: Vec<i64>) -> Self {
        Self::I64Array(v)
    }
}

impl From<Vec<f64>> for AttributeValue {
    fn from(v: Vec<f64>) -> Self {
        Self::F64Array(v)
    }
}

impl From<Vec<String>> for AttributeValue {
    fn from(v: Vec<String>) -> Self {
        Self::StringArray(v.into_iter().map(StringValue::from).collect())
    }
}

impl From<Vec<&'static str>> for AttributeValue {
    fn from(v: Vec<&'static str>) -> Self {
        Self::StringArray(v.into_iter().map(StringValue::from).collect())
    }
}

impl From<Vec<StringValue>> for AttributeValue {
    fn from(v: Vec<StringValue>) -> Self {
        Self::StringArray(v)
    }
}

/// A heterogeneous array ([`AttributeValue::Array`]).
impl From<Vec<AttributeValue>> for AttributeValue {
    fn from(v: Vec<AttributeValue>) -> Self {
        Self::Array(v)
    }
}

/// A map ([`AttributeValue::Map`]), in the given order.
impl From<Vec<Attribute>> for AttributeValue {
    fn from(v: Vec<Attribute>) -> Self {
        Self::Map(v)
    }
}

/// One key/value pair.
///
/// Building one from a `&'static str` key and a scalar or `&'static str` value does not
/// allocate, so `&[Attribute]` literals are free on hot paths:
///
/// ```
/// use telemetry_core::Attribute;
/// let attrs = [Attribute::new("http.route", "/v1/sessions"), Attribute::new("retries", 2)];
/// assert_eq!(attrs[1].value.as_i64(), Some(2));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The key, for example `http.request.method`.
    pub key: Key,
    /// The value.
    pub value: AttributeValue,
}

impl Attribute {
    /// A pair from anything convertible into a key and a value.
    pub fn new(key: impl Into<Key>, value: impl Into<AttributeValue>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Builds a `[Attribute; N]` array: `attrs!["k" => 1, "name" => "x"]`.
///
/// Static keys and scalar or static-string values do not allocate. When every key is a string
/// literal and every value a string, number (unsuffixed, `i64` or `f64`) or `bool` literal, the
/// array is a constant: `&attrs![...]` borrows a `'static` array, so the call site builds and
/// drops nothing, which is what keeps a NoOp call with literal attributes free.
///
/// ```
/// let a = telemetry_core::attrs!["gen_ai.operation.name" => "chat", "attempt" => 1];
/// assert_eq!(a.len(), 2);
/// let model = String::from("gpt-4o");
/// let b = telemetry_core::attrs!["gen_ai.request.model" => model, "retries" => 2u64];
/// assert_eq!(b[0].value.as_str(), Some("gpt-4o"));
/// ```
#[macro_export]
macro_rules! attrs {
    () => { [] as [$crate::Attribute; 0] };
    ($($tokens:tt)+) => { $crate::__attrs_impl!($crate; $($tokens)+) };
}

/// The `Attribute::new` form of [`attrs!`], for lists that are not all literals.
#[doc(hidden)]
#[macro_export]
macro_rules! __attrs_exprs {
    ($($key:expr => $value:expr),+ $(,)?) => {
        [$($crate::Attribute::new($key, $value)),+]
    };
}

#[cfg(test)]
mod tests;
