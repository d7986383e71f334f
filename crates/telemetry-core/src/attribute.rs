//! Attributes: key/value pairs with OpenTelemetry's value set.
//!
//! Source: OpenTelemetry specification, *Common › Attribute*: a value is a string, boolean,
//! 64-bit signed integer or 64-bit float, or a homogeneous array of one of those. Log records
//! and events also take the structured `AnyValue` forms (*Logs Data Model › Type `any`*: a
//! heterogeneous array or a map of string keys to values, nested to any depth), which
//! [`AttributeValue::Array`] and [`AttributeValue::Map`] carry; a span attribute of either
//! form is exported as its JSON text, the fallback the semantic conventions name for
//! structured attributes on spans.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An attribute key. `&'static str` keys never allocate.
pub type Key = Cow<'static, str>;

/// A string attribute value, in the three forms OpenTelemetry's `StringValue` has.
///
/// What a clone costs depends on the form, so pick it by how often the value is copied:
///
/// | form | from | clone | handed to the OpenTelemetry SDK |
/// | --- | --- | --- | --- |
/// | [`Static`](Self::Static) | `&'static str` | free | free |
/// | [`Shared`](Self::Shared) | `Arc<str>` | a reference-count increment | a reference-count increment |
/// | [`Owned`](Self::Owned) | `String` | an allocation and a copy | an allocation and a copy |
///
/// A value that goes on many spans and metric records (a model or provider name from
/// configuration) is best held as `Arc<str>`; [`into_shared`](Self::into_shared) turns one
/// owned value into a shared one, after which every copy is free of allocation.
///
/// Equality, ordering and hashing are those of the text, whatever the form:
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::StringValue;
/// let shared = StringValue::from(Arc::<str>::from("gpt-4o"));
/// assert_eq!(shared, StringValue::from("gpt-4o"));
/// assert_eq!(shared.as_str(), "gpt-4o");
/// assert!(matches!(StringValue::from("gpt-4o".to_string()).into_shared(), StringValue::Shared(_)));
/// ```
#[derive(Clone)]
pub enum StringValue {
    /// Text that lives for the whole program, such as a literal.
    Static(&'static str),
    /// Text owned by this value; cloning copies it.
    Owned(String),
    /// Text shared by reference count; cloning shares it.
    Shared(Arc<str>),
}

impl StringValue {
    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Static(s) => s,
            Self::Owned(s) => s,
            Self::Shared(s) => s,
        }
    }

    /// The same text in a form whose clones do not allocate: an owned value is copied once
    /// into an `Arc<str>`; static and shared values are returned as they are.
    pub fn into_shared(self) -> Self {
        match self {
            Self::Owned(s) => Self::Shared(Arc::from(s)),
            other => other,
        }
    }

    /// The text as a `String` (without a copy when it is owned).
    pub fn into_string(self) -> String {
        match self {
            Self::Owned(s) => s,
            other => other.as_str().to_owned(),
        }
    }
}

impl Default for StringValue {
    fn default() -> Self {
        Self::Static("")
    }
}

impl Deref for StringValue {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for StringValue {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for StringValue {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for StringValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for StringValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for StringValue {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        // Clones of one static or shared value point at the same text: no bytes to compare.
        let (a, b) = (self.as_str(), other.as_str());
        a.len() == b.len() && (a.as_ptr() == b.as_ptr() || a == b)
    }
}

impl Eq for StringValue {}

impl PartialEq<str> for StringValue {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for StringValue {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for StringValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StringValue {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for StringValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl From<&'static str> for StringValue {
    fn from(s: &'static str) -> Self {
        Self::Static(s)
    }
}

impl From<String> for StringValue {
    fn from(s: String) -> Self {
        Self::Owned(s)
    }
}

impl From<Arc<str>> for StringValue {
    fn from(s: Arc<str>) -> Self {
        Self::Shared(s)
    }
}

impl From<Box<str>> for StringValue {
    fn from(s: Box<str>) -> Self {
        Self::Owned(s.into_string())
    }
}

impl From<Cow<'static, str>> for StringValue {
    fn from(s: Cow<'static, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Self::Static(s),
            Cow::Owned(s) => Self::Owned(s),
        }
    }
}

impl From<StringValue> for String {
    fn from(s: StringValue) -> Self {
        s.into_string()
    }
}

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
mod tests {
    use super::*;

    #[test]
    fn conversions_cover_the_otel_value_set() {
        assert_eq!(
            AttributeValue::from(u64::MAX),
            AttributeValue::I64(i64::MAX)
        );
        assert_eq!(AttributeValue::from(1.5f32), AttributeValue::F64(1.5));
        assert_eq!(
            AttributeValue::from(vec!["a", "b"]).to_string(),
            "[a, b]".to_string()
        );
        assert_eq!(AttributeValue::from(vec![1i64, 2]).to_string(), "[1, 2]");
    }

    #[test]
    fn structured_values_render_as_json() {
        let v = AttributeValue::Map(vec![
            Attribute::new("role", "assistant"),
            Attribute::new(
                "parts",
                AttributeValue::Array(vec![AttributeValue::Map(vec![
                    Attribute::new("type", "text"),
                    Attribute::new("content", "a\"b\\c\n\u{1}é"),
                ])]),
            ),
            Attribute::new(
                "n",
                AttributeValue::Array(vec![1.into(), 1.5.into(), f64::NAN.into()]),
            ),
            Attribute::new("ok", vec![true, false]),
            Attribute::new("tags", vec!["x", "y"]),
        ]);
        let json = v.to_json();
        assert_eq!(
            json,
            r#"{"role":"assistant","parts":[{"type":"text","content":"a\"b\\c\n\u0001é"}],"n":[1,1.5,"NaN"],"ok":[true,false],"tags":["x","y"]}"#
        );
        assert_eq!(v.to_string(), json);
        assert!(v.is_structured() && !AttributeValue::from(1).is_structured());
    }

    /// The structured forms add no size: existing values stay as cheap to move as before.
    #[test]
    fn structured_variants_do_not_grow_the_value() {
        assert!(std::mem::size_of::<AttributeValue>() <= 32);
    }

    #[test]
    fn literal_attrs_equal_their_attribute_new_form() {
        let literal = attrs![
            "s" => "text", "raw" => r"raw", "i" => 7, "neg" => -7, "hex" => 0x1f64,
            "i64" => 9i64, "f" => 1.5, "exp" => 2e3, "negf" => -0.25, "f64" => 1f64,
            "t" => true, "no" => false,
        ];
        let built = [
            Attribute::new("s", "text"),
            Attribute::new("raw", "raw"),
            Attribute::new("i", 7),
            Attribute::new("neg", -7),
            Attribute::new("hex", 0x1f64),
            Attribute::new("i64", 9i64),
            Attribute::new("f", 1.5),
            Attribute::new("exp", 2e3),
            Attribute::new("negf", -0.25),
            Attribute::new("f64", 1f64),
            Attribute::new("t", true),
            Attribute::new("no", false),
        ];
        assert_eq!(literal, built);
        assert_eq!(literal[4].value, AttributeValue::I64(0x1f64));
    }

    #[test]
    fn non_literal_attrs_keep_their_conversions() {
        let (owned, n, key) = (String::from("gpt-4o"), 3u64, "k");
        let a = attrs![
            "owned" => owned, "u64" => u64::MAX, "u8" => 3u8, "f32" => 0.5f32,
            "neg" => -(n as i64), key => "v",
        ];
        assert!(
            matches!(&a[0].value, AttributeValue::String(StringValue::Owned(s)) if s == "gpt-4o")
        );
        assert_eq!(a[1].value, AttributeValue::I64(i64::MAX));
        assert_eq!(a[2].value, AttributeValue::I64(3));
        assert_eq!(a[3].value, AttributeValue::F64(0.5));
        assert_eq!(a[4].value, AttributeValue::I64(-3));
        assert_eq!(a[5].key, "k");
    }

    /// Compiles only while `&attrs![literals]` is promoted to a `'static` constant, directly
    /// and through a `macro_rules!` that forwards `expr` fragments (as `info!` does).
    #[test]
    fn literal_attrs_are_static_constants() {
        macro_rules! forward {
            ($($key:expr => $value:expr),*) => { &attrs![$($key => $value),*] };
        }
        let direct: &'static [Attribute] = &attrs!["agent" => "planner", "n" => -1];
        let forwarded: &'static [Attribute] =
            forward!("agent" => "planner", "ok" => true, "n" => -1);
        assert_eq!(direct[0], forwarded[0]);
        assert_eq!(forwarded[1].value, AttributeValue::Bool(true));
    }
}
