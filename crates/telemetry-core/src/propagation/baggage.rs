//! [`Baggage`]: application key-value pairs that travel with a request in the `baggage` header.
//!
//! Source: W3C Baggage (<https://www.w3.org/TR/baggage/>), "Header Content" (the ABNF, keys,
//! values, properties, percent-encoding) and "Limits"; "Mutating baggage".

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::carrier::{BAGGAGE, Extractor};

/// Most list members sent or kept ("Definition": `list-member 0*179( OWS "," OWS list-member
/// )`; "Limits" requires at least 64 to be propagated).
pub const MAX_ENTRIES: usize = 180;
/// Largest `baggage-string` sent or kept, in bytes ("Limits", condition 2: 8192 bytes).
pub const MAX_BYTES: usize = 8192;

/// What is percent-encoded in a value: everything outside `baggage-octet` (`%x21 / %x23-2B /
/// %x2D-3A / %x3C-5B / %x5D-7E`, so controls, space, `"`, `,`, `;`, `\` and non-ASCII) and the
/// percent sign itself ("value": "The percent code point (U+0025) MUST be percent-encoded").
const VALUE_ENCODE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// One property of an entry: `key` or `key=value` ("property").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaggageProperty {
    /// The property key, a `token`.
    pub key: String,
    /// The decoded value; `None` for a key-only property.
    pub value: Option<String>,
}

/// One baggage entry: a key, its decoded value and its properties (metadata).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaggageEntry {
    /// The key, a `token` (RFC 7230 §3.2.6).
    pub key: String,
    /// The value, decoded (any text; percent-encoded when sent).
    pub value: String,
    /// Properties, in order (`;k1=v1;k2`).
    pub properties: Vec<BaggageProperty>,
}

impl BaggageEntry {
    /// An entry without properties.
    ///
    /// # Errors
    /// [`InvalidBaggage`] when `key` is not a `token`.
    pub fn new(key: &str, value: &str) -> Result<Self, InvalidBaggage> {
        check_key(key)?;
        Ok(Self {
            key: key.to_owned(),
            value: value.to_owned(),
            properties: Vec::new(),
        })
    }

    /// Adds a property (`key` alone when `value` is `None`).
    ///
    /// # Errors
    /// [`InvalidBaggage`] when `key` is not a `token`.
    pub fn with_property(mut self, key: &str, value: Option<&str>) -> Result<Self, InvalidBaggage> {
        check_key(key)?;
        self.properties.push(BaggageProperty {
            key: key.to_owned(),
            value: value.map(str::to_owned),
        });
        Ok(self)
    }

    /// The list member as sent: `key=value;prop;pk=pv`, values percent-encoded.
    pub fn encode(&self) -> String {
        let mut out = format!(
            "{}={}",
            self.key,
            utf8_percent_encode(&self.value, VALUE_ENCODE)
        );
        for p in &self.properties {
            out.push(';');
            out.push_str(&p.key);
            if let Some(v) = &p.value {
                out.push('=');
                out.extend(utf8_percent_encode(v, VALUE_ENCODE));
            }
        }
        out
    }
}

/// Why a key was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidBaggage {
    key: String,
}

impl fmt::Display for InvalidBaggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid baggage key {:?}: expected a token (1 or more of A-Z a-z 0-9 \
             ! # $ % & ' * + - . ^ _ ` | ~; W3C Baggage \"key\", RFC 7230 §3.2.6)",
            self.key
        )
    }
}

impl std::error::Error for InvalidBaggage {}

/// RFC 7230 §3.2.6 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn check_key(key: &str) -> Result<(), InvalidBaggage> {
    if !key.is_empty() && key.bytes().all(is_tchar) {
        Ok(())
    } else {
        Err(InvalidBaggage {
            key: key.to_owned(),
        })
    }
}

/// `baggage-octet`: `%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`.
fn is_baggage_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

const OWS: [char; 2] = [' ', '\t'];

/// Decodes a raw value: `baggage-octet`s only; invalid UTF-8 after decoding becomes U+FFFD
/// ("value": "MUST be replaced with the replacement code point").
fn decode_value(raw: &str) -> Option<String> {
    let raw = raw.trim_matches(OWS);
    raw.bytes()
        .all(is_baggage_octet)
        .then(|| percent_decode_str(raw).decode_utf8_lossy().into_owned())
}

/// Parses `key OWS "=" OWS value *( OWS ";" OWS property )`; `None` when it breaks the ABNF.
fn parse_member(raw: &str) -> Option<BaggageEntry> {
    let mut parts = raw.split(';');
    let (key, value) = parts.next()?.split_once('=')?;
    let key = key.trim_matches(OWS);
    check_key(key).ok()?;
    let mut entry = BaggageEntry {
        key: key.to_owned(),
        value: decode_value(value)?,
        properties: Vec::new(),
    };
    for p in parts {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.trim_matches(OWS), Some(decode_value(v)?)),
            None => (p.trim_matches(OWS), None),
        };
        check_key(k).ok()?;
        entry.properties.push(BaggageProperty {
            key: k.to_owned(),
            value: v,
        });
    }
    Some(entry)
}

/// A set of baggage entries, each key once, in order of first appearance, within the limits
/// ([`MAX_ENTRIES`], [`MAX_BYTES`] once encoded).
///
/// ```
/// use telemetry_core::propagation::Baggage;
/// let b = Baggage::parse("userId=Am%C3%A9lie, serverNode = DF%2028;region=eu ,isProduction=false");
/// assert_eq!(b.get("userId"), Some("Amélie"));
/// assert_eq!(b.entry("serverNode").unwrap().properties[0].value.as_deref(), Some("eu"));
/// assert_eq!(b.encode(), "userId=Am%C3%A9lie,serverNode=DF%2028;region=eu,isProduction=false");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baggage {
    entries: Vec<BaggageEntry>,
    /// Bytes of the encoded members, without the commas between them.
    member_bytes: usize,
}

impl Baggage {
    /// No entries.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
            member_bytes: 0,
        }
    }

    /// Parses one `baggage` header value. See [`from_headers`](Self::from_headers).
    pub fn parse(value: &str) -> Self {
        Self::from_headers([value])
    }

    /// Parses every `baggage` field line of a message as one list ("Limits": "all limits apply
    /// to the combination of all baggage headers"). Members that break the ABNF are dropped
    /// ("Mutating baggage": the behaviour is undefined; an implementation "MAY remove an
    /// offending list-member"); a later entry with a key already seen replaces its value
    /// ("keys may be deduplicated by ... keeping the last entry"). Entries past the limits are
    /// dropped whole.
    pub fn from_headers<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut baggage = Self::new();
        for raw in values.into_iter().flat_map(|v| v.split(',')) {
            if let Some(entry) = parse_member(raw) {
                baggage.insert_entry(entry);
            }
        }
        baggage
    }

    /// Every `baggage` field line of `carrier`, parsed.
    pub fn extract(carrier: &dyn Extractor) -> Self {
        Self::from_headers(carrier.get_all(BAGGAGE))
    }

    /// Sets `key` to `value` (without properties), replacing an entry with that key in place.
    /// An entry that would break the limits is not added.
    ///
    /// # Errors
    /// [`InvalidBaggage`] when `key` is not a `token`.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), InvalidBaggage> {
        self.insert_entry(BaggageEntry::new(key, value)?);
        Ok(())
    }

    /// Sets an entry, replacing one with the same key in place; returns whether it was kept
    /// (false when it would take the baggage past [`MAX_ENTRIES`] or [`MAX_BYTES`]).
    pub fn insert_entry(&mut self, entry: BaggageEntry) -> bool {
        let len = entry.encode().len();
        let at = self.entries.iter().position(|e| e.key == entry.key);
        let (count, replaced) = match at {
            Some(i) => (self.entries.len(), self.entries[i].encode().len()),
            None => (self.entries.len() + 1, 0),
        };
        let bytes = self.member_bytes - replaced + len;
        // "Limits": a member that does not fit is dropped whole, never cut.
        if count > MAX_ENTRIES || bytes + count.saturating_sub(1) > MAX_BYTES {
            return false;
        }
        self.member_bytes = bytes;
        match at {
            Some(i) => self.entries[i] = entry,
            None => self.entries.push(entry),
        }
        true
    }

    /// Removes `key` ("Delete a key/value pair").
    pub fn remove(&mut self, key: &str) -> Option<BaggageEntry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        let entry = self.entries.remove(i);
        self.member_bytes -= entry.encode().len();
        Some(entry)
    }

    /// The decoded value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    /// The entry for `key`, with its properties.
    pub fn entry(&self, key: &str) -> Option<&BaggageEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = &BaggageEntry> {
        self.entries.iter()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `baggage-string` to send: members joined by `,`, values percent-encoded; at most
    /// [`MAX_BYTES`] bytes and [`MAX_ENTRIES`] members, which every way of building a
    /// `Baggage` keeps.
    pub fn encode(&self) -> String {
        let members: Vec<String> = self.entries.iter().map(BaggageEntry::encode).collect();
        members.join(",")
    }

    /// The length of [`encode`](Self::encode)'s result, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.member_bytes + self.entries.len().saturating_sub(1)
    }
}

impl fmt::Display for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}
