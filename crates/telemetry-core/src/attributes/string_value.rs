//! [`StringValue`]: a string attribute value, static, shared or owned, compared as text.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

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
