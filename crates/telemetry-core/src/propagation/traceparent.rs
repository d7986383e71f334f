//! The `traceparent` value: parsed by the version rules, formatted at version `00`.
//!
//! Source: W3C Trace Context Level 2, §3.2 "Traceparent Header"
//! (<https://www.w3.org/TR/trace-context-2/#traceparent-header>) and §4 "Processing Model",
//! "A traceparent is Received".

use std::fmt;

use crate::ids::CorrelationId;

use crate::ids::HexId;

use crate::ids::SpanId;

/// Trace flag bit 0, `sampled` (§3.2.2.5 "trace-flags", Sampled flag).
pub const FLAG_SAMPLED: u8 = 0x01;
/// Trace flag bit 1, `random-trace-id` (Level 2 §3.2.2.5, Random Trace ID Flag): at least the
/// right-most 7 bytes of the trace id are random. A callee continuing the trace keeps it.
pub const FLAG_RANDOM_TRACE_ID: u8 = 0x02;
/// The flags this version defines. §3.2.2.5 "Other Flags": the rest are reserved and a vendor
/// sets them to zero; Processing Model, "A traceparent is Received" step 2.2: unknown flags of a higher version are not propagated.
const KNOWN_FLAGS: u8 = FLAG_SAMPLED | FLAG_RANDOM_TRACE_ID;

/// Length of a version-`00` value: `2 + 1 + 32 + 1 + 16 + 1 + 2`.
const VERSION_00_LEN: usize = 55;

/// Why a `traceparent` value was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTraceparent {
    input: String,
    reason: &'static str,
}

impl InvalidTraceparent {
    /// What was wrong, naming the field and the rule (for example `"trace-id must be 32
    /// lowercase hex digits, not all zeros (§3.2.2.3)"`).
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for InvalidTraceparent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid traceparent {:?}: {}; expected \"{{version:2 hex}}-{{trace-id:32 hex}}-\
             {{parent-id:16 hex}}-{{flags:2 hex}}\"",
            self.input, self.reason
        )
    }
}

impl std::error::Error for InvalidTraceparent {}

/// The fields a `traceparent` carries, as this version understands them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Traceparent {
    pub(crate) trace_id: CorrelationId,
    pub(crate) parent_id: SpanId,
    /// Only the flags this version defines ([`FLAG_SAMPLED`], [`FLAG_RANDOM_TRACE_ID`]).
    pub(crate) flags: u8,
}

fn is_lower_hex(s: &[u8]) -> bool {
    s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Parses a `traceparent` value.
///
/// Version `00` is exactly four fields (55 characters). A higher version is read by the
/// version-`00` layout as §3.2.4 "Versioning of traceparent" says: at least 55 characters,
/// the flags either end the value or are followed by `-`; what follows is not interpreted.
pub(crate) fn parse(value: &str) -> Result<Traceparent, InvalidTraceparent> {
    let err = |reason| InvalidTraceparent {
        input: value.to_owned(),
        reason,
    };
    // Optional white space around a field value is not part of it (RFC 9110 §5.5).
    let v = value.trim_matches([' ', '\t']).as_bytes();
    // §3.2.4: "When the version prefix cannot be parsed (it's not 2 hex characters followed by
    // a dash), the implementation should restart the trace."
    if v.len() < 3 || !is_lower_hex(&v[..2]) || v[2] != b'-' {
        return Err(err(
            "version must be 2 lowercase hex digits followed by '-' (§3.2.4)",
        ));
    }
    match &v[..2] {
        // §3.2.2.1 version: "Version ff is forbidden".
        b"ff" => return Err(err("version ff is forbidden (§3.2.2.1)")),
        // §3.2.2.2 version-format: version 00 is exactly these four fields.
        b"00" if v.len() != VERSION_00_LEN => {
            return Err(err(
                "version 00 must have exactly 4 fields, 55 characters (§3.2.2.2)",
            ));
        }
        // §3.2.4: a higher version shorter than 55 characters restarts the trace, and the
        // flags must be "either at the end of the string or followed by a dash".
        _ if v.len() < VERSION_00_LEN => {
            return Err(err("shorter than 55 characters (§3.2.4)"));
        }
        _ if v.len() > VERSION_00_LEN && v[VERSION_00_LEN] != b'-' => {
            return Err(err(
                "trace-flags must end the value or be followed by '-' (§3.2.4)",
            ));
        }
        _ => {}
    }
    let (trace, span, flags) = (&v[3..35], &v[36..52], &v[53..55]);
    if v[35] != b'-' || v[52] != b'-' {
        return Err(err(
            "fields must be separated by '-' at positions 35 and 52 (§3.2.2.2)",
        ));
    }
    // The slices are ASCII (checked just below, before any use), so `from_utf8` cannot fail.
    let text = |s: &[u8]| std::str::from_utf8(s).unwrap_or_default().to_owned();
    let trace_id = is_lower_hex(trace)
        .then(|| CorrelationId::parse(&text(trace)).ok())
        .flatten()
        .ok_or_else(|| err("trace-id must be 32 lowercase hex digits, not all zeros (§3.2.2.3)"))?;
    let parent_id = is_lower_hex(span)
        .then(|| SpanId::parse(&text(span)).ok())
        .flatten()
        .ok_or_else(|| {
            err("parent-id must be 16 lowercase hex digits, not all zeros (§3.2.2.4)")
        })?;
    if !is_lower_hex(flags) {
        return Err(err("trace-flags must be 2 lowercase hex digits (§3.2.2.5)"));
    }
    let flags = u8::from_str_radix(&text(flags), 16).unwrap_or_default() & KNOWN_FLAGS;
    Ok(Traceparent {
        trace_id,
        parent_id,
        flags,
    })
}

/// Formats a version-`00` `traceparent` with only the `sampled` flag.
pub fn format_traceparent(trace_id: CorrelationId, span_id: SpanId, sampled: bool) -> String {
    format_traceparent_with_flags(trace_id, span_id, u8::from(sampled))
}

/// Formats a version-`00` `traceparent` with `flags` ([`FLAG_SAMPLED`],
/// [`FLAG_RANDOM_TRACE_ID`]); reserved bits are cleared (§3.2.2.5 "Other Flags": "Vendors MUST
/// set those to zero").
pub fn format_traceparent_with_flags(
    trace_id: CorrelationId,
    span_id: SpanId,
    flags: u8,
) -> String {
    let flags = HexId::<2>::encode_byte(flags & KNOWN_FLAGS);
    let mut s = String::with_capacity(55);
    for part in [
        "00-",
        &trace_id.to_hex(),
        "-",
        &span_id.to_hex(),
        "-",
        &flags,
    ] {
        s.push_str(part);
    }
    s
}
