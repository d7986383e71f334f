//! `tracestate`: the vendor entries that travel with `traceparent`, validated member by member.
//!
//! Source: W3C Trace Context Level 2, §3.3 "Tracestate Header"
//! (<https://www.w3.org/TR/trace-context-2/#tracestate-header>) and §3.5 "Mutating the
//! tracestate Field".

use std::fmt;
use std::str::FromStr;

/// Most list members a `tracestate` holds (§3.3.2.1 list: `list-member 0*31( OWS "," OWS
/// list-member )`; "There can be a maximum of 32 list-members in a list").
pub const MAX_MEMBERS: usize = 32;
/// Longest key, in characters (§3.3.2.2 Key: `( lcalpha / DIGIT ) 0*255 ( keychar )`).
pub const MAX_KEY_LEN: usize = 256;
/// Longest value, in characters (§3.3.2.2 Value: `0*255(chr) nblk-chr`).
pub const MAX_VALUE_LEN: usize = 256;

/// A `tracestate` whose every list member follows the grammar: at most [`MAX_MEMBERS`]
/// `key=value` pairs, each key once, in received order, sent as one header with no optional
/// white space (`congo=t61rcWkgMzE,rojo=00f067aa0ba902b7`).
///
/// Parsing is strict, as the OpenTelemetry SDKs and the W3C conformance suite (strict level 2)
/// expect: a member that breaks the grammar, or more than 32 members, makes the whole header
/// invalid, and the receiver drops it (Processing Model, "A traceparent is Received" step 3:
/// "If the tracestate header cannot be parsed the vendor MAY discard the entire header").
/// Duplicate keys keep their first entry (§3.5: "vendors MAY also discard duplicate keys").
///
/// ```
/// use telemetry_core::propagation::TraceState;
/// let state = TraceState::from_headers(["rojo=00f067aa0ba902b7", "", "congo=t61rcWkgMzE"]).unwrap();
/// assert_eq!(state.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
/// assert!(TraceState::parse("foo =1").is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState {
    /// The members joined by `,`: the value to send.
    header: String,
}

/// Why a `tracestate` was rejected: the offending list member and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTraceState {
    member: String,
    reason: &'static str,
}

impl InvalidTraceState {
    /// The rule that was broken, with its section.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for InvalidTraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid tracestate list member {:?}: {}",
            self.member, self.reason
        )
    }
}

impl std::error::Error for InvalidTraceState {}

/// §3.3.2.2 Key: `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`,
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`. Level 2 folded the Level 1
/// multi-tenant form (`tenant@system`) into this one rule, so `fw529a3039@dt` and `foo@bar@baz`
/// are both keys.
pub(crate) fn is_valid_key(key: &str) -> bool {
    let k = key.as_bytes();
    let Some((&first, rest)) = k.split_first() else {
        return false;
    };
    k.len() <= MAX_KEY_LEN
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && rest.iter().all(|&b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'-' | b'*' | b'/' | b'@')
        })
}

/// §3.3.2.2 Value: `value = 0*255(chr) nblk-chr`, `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E`,
/// `chr = %x20 / nblk-chr`: printable ASCII but `,` and `=`, not ending in a space.
pub(crate) fn is_valid_value(value: &str) -> bool {
    let v = value.as_bytes();
    !v.is_empty()
        && v.len() <= MAX_VALUE_LEN
        && v.last() != Some(&b' ')
        && v.iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
}

/// Splits one list member into its key and value, checking both.
fn member(raw: &str) -> Result<(&str, &str), InvalidTraceState> {
    let err = |reason| InvalidTraceState {
        member: raw.to_owned(),
        reason,
    };
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| err("expected key=value (§3.3.2.2)"))?;
    if !is_valid_key(key) {
        return Err(err(
            "key must be 1 to 256 of a-z 0-9 _ - * / @, starting with a-z or 0-9 (§3.3.2.2 Key)",
        ));
    }
    if !is_valid_value(value) {
        return Err(err(
            "value must be 1 to 256 printable ASCII characters except ',' and '=', \
             not ending in a space (§3.3.2.2 Value)",
        ));
    }
    Ok((key, value))
}

/// The members of a validated header (values hold no `=`, so the first one splits).
fn members(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(',').filter_map(|m| m.split_once('='))
}

/// Space and horizontal tab, the optional white space around list members (§3.3.2: "Spaces
/// and horizontal tabs surrounding list-members are ignored").
const OWS: [char; 2] = [' ', '\t'];

impl TraceState {
    /// The empty `tracestate` (nothing to send).
    pub const fn new() -> Self {
        Self {
            header: String::new(),
        }
    }

    /// Parses one header value. See [`from_headers`](Self::from_headers).
    ///
    /// # Errors
    /// [`InvalidTraceState`] naming the first member that breaks the grammar, or the 33rd.
    pub fn parse(value: &str) -> Result<Self, InvalidTraceState> {
        Self::from_headers([value])
    }

    /// Combines every `tracestate` header field of a message, in order, and parses the list.
    ///
    /// §3.3.2: "When receiving multiple tracestate header fields, they MUST be combined into a
    /// single header according to RFC9110" (§5.3 Field Order: joined with commas, in order).
    /// Empty and white-space-only members, and so empty fields, are allowed and skipped
    /// (§3.3.2: "Vendors MUST accept empty tracestate headers").
    ///
    /// # Errors
    /// [`InvalidTraceState`] naming the first member that breaks the grammar of §3.3.2.2, or
    /// the 33rd member (§3.3.2.1).
    pub fn from_headers<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, InvalidTraceState> {
        let mut header = String::new();
        let mut count = 0;
        for raw in values.into_iter().flat_map(|v| v.split(',')) {
            let raw = raw.trim_matches(OWS);
            if raw.is_empty() {
                continue;
            }
            let (key, _) = member(raw)?;
            count += 1;
            if count > MAX_MEMBERS {
                return Err(InvalidTraceState {
                    member: raw.to_owned(),
                    reason: "more than 32 list-members (§3.3.2.1 list)",
                });
            }
            // §3.5: "vendors MAY also discard duplicate keys": the first entry stays.
            if members(&header).all(|(k, _)| k != key) {
                if !header.is_empty() {
                    header.push(',');
                }
                header.push_str(raw);
            }
        }
        Ok(Self { header })
    }

    /// The value to send as one `tracestate` field (§3.3.2: "SHOULD be sent as a single field
    /// when possible"); empty when there are no members.
    pub fn as_str(&self) -> &str {
        &self.header
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty()
    }

    /// The number of members (at most [`MAX_MEMBERS`]).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The members, left (most recent vendor) first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        members(&self.header)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// A copy with `key` set to `value` as the left-most member: §3.5 "Add a new key/value
    /// pair" (added to the beginning; a key is never present twice) and "Update an existing
    /// value" (moved to the beginning). When that makes 33 members the right-most is removed
    /// (§3.3.2: "the right-most list-member should be removed from the list").
    ///
    /// # Errors
    /// [`InvalidTraceState`] when `key` or `value` breaks §3.3.2.2.
    pub fn with(&self, key: &str, value: &str) -> Result<Self, InvalidTraceState> {
        let entry = format!("{key}={value}");
        member(&entry)?;
        let mut header = entry;
        for (k, v) in self.iter().filter(|(k, _)| *k != key).take(MAX_MEMBERS - 1) {
            header.push(',');
            header.push_str(k);
            header.push('=');
            header.push_str(v);
        }
        Ok(Self { header })
    }

    /// A copy at most `max_len` bytes long once sent, for a carrier with a size limit, cut as
    /// §3.3.3.1 "tracestate Limits" says: whole entries only, those longer than 128
    /// characters first (right-most first), then from the end. `inject` sends the whole list
    /// (at most 32 members); vendors "SHOULD propagate at least 512 characters".
    pub fn truncated(&self, max_len: usize) -> Self {
        let mut kept: Vec<&str> = self.header.split(',').filter(|m| !m.is_empty()).collect();
        let len = |m: &[&str]| m.iter().map(|s| s.len()).sum::<usize>() + m.len().saturating_sub(1);
        while len(&kept) > max_len {
            match kept.iter().rposition(|m| m.len() > 128) {
                Some(i) => {
                    kept.remove(i);
                }
                None => break,
            }
        }
        while len(&kept) > max_len {
            kept.pop();
        }
        Self {
            header: kept.join(","),
        }
    }

    /// A copy without `key` (§3.5 "Delete a key/value pair").
    pub fn without(&self, key: &str) -> Self {
        let mut header = String::new();
        for (k, v) in self.iter().filter(|(k, _)| *k != key) {
            if !header.is_empty() {
                header.push(',');
            }
            header.push_str(k);
            header.push('=');
            header.push_str(v);
        }
        Self { header }
    }
}

impl FromStr for TraceState {
    type Err = InvalidTraceState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&self.header).finish()
    }
}
