//! Property tests of the W3C Trace Context parsers, which read outside input: whatever a
//! `traceparent` or `tracestate` header holds, parsing never panics, what is accepted is
//! exactly what the grammar allows, and what is sent again re-parses to the same value.
//! (`baggage` has its own properties in `tests/baggage.rs`.)

use proptest::prelude::*;
use telemetry_core::propagation::{
    FLAG_RANDOM_TRACE_ID, FLAG_SAMPLED, MAX_MEMBERS, RemoteParent, TraceState,
    format_traceparent_with_flags,
};
use telemetry_core::{CorrelationId, SpanId};

fn hex(len: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9a-f]{{{len}}}")).unwrap()
}

/// A valid version-00 traceparent: non-zero ids, any flags byte.
fn traceparent() -> impl Strategy<Value = (String, String, u8)> {
    (hex(32), hex(16), any::<u8>()).prop_filter("ids are not all zero", |(t, s, _)| {
        t.bytes().any(|b| b != b'0') && s.bytes().any(|b| b != b'0')
    })
}

/// A tracestate key (§3.3.2.2): simple, or tenant@system.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex("[a-z][a-z0-9_*/-]{0,20}").unwrap(),
        proptest::string::string_regex("[a-z0-9][a-z0-9_*/-]{0,10}@[a-z][a-z0-9_*/-]{0,8}")
            .unwrap(),
    ]
}

/// A tracestate value: printable ASCII except `,` and `=`, not ending in a space.
fn value() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[!-+\\--<>-~ ]{0,30}[!-+\\--<>-~]").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_traceparent_text_parses_or_is_refused_without_panic(s in any::<String>()) {
        if let Ok(p) = RemoteParent::parse_traceparent(&s) {
            // Whatever is accepted has valid, non-zero ids.
            prop_assert_ne!(p.trace_id.to_string(), "0".repeat(32));
            prop_assert_ne!(p.span_id.to_string(), "0".repeat(16));
        }
    }

    #[test]
    fn a_valid_traceparent_round_trips((t, s, flags) in traceparent()) {
        let header = format!("00-{t}-{s}-{flags:02x}");
        let p = RemoteParent::parse_traceparent(&header).unwrap();
        prop_assert_eq!(p.trace_id.to_string(), t.clone());
        prop_assert_eq!(p.span_id.to_string(), s.clone());
        prop_assert_eq!(p.sampled, flags & FLAG_SAMPLED != 0);
        prop_assert_eq!(p.random_trace_id, flags & FLAG_RANDOM_TRACE_ID != 0);
        let again = format_traceparent_with_flags(
            CorrelationId::parse(&t).unwrap(),
            SpanId::parse(&s).unwrap(),
            flags,
        );
        // Reserved bits are cleared on the way out, everything else is kept.
        prop_assert_eq!(&again[..53], &header[..53]);
        let reparsed = RemoteParent::parse_traceparent(&again).unwrap();
        prop_assert_eq!((reparsed.trace_id, reparsed.span_id), (p.trace_id, p.span_id));
        prop_assert_eq!((reparsed.sampled, reparsed.random_trace_id), (p.sampled, p.random_trace_id));
    }

    #[test]
    fn a_bad_character_in_an_id_is_refused(
        (t, s, flags) in traceparent(),
        at in 3usize..52,
        bad in prop_oneof![Just('G'), Just('A'), Just('z'), Just(' '), Just('-'), Just('é')],
    ) {
        // Positions 3..35 hold the trace id, 36..52 the span id (35 is a dash).
        prop_assume!(at != 35);
        let header = format!("00-{t}-{s}-{flags:02x}");
        let mut chars: Vec<char> = header.chars().collect();
        chars[at] = bad;
        let broken: String = chars.into_iter().collect();
        prop_assert!(RemoteParent::parse_traceparent(&broken).is_err(), "{broken} accepted");
    }

    #[test]
    fn any_tracestate_text_parses_or_is_refused_without_panic(
        parts in prop::collection::vec(any::<String>(), 0..4),
    ) {
        if let Ok(state) = TraceState::from_headers(parts.iter().map(String::as_str)) {
            prop_assert!(state.len() <= MAX_MEMBERS);
            // What would be sent re-parses to the same list.
            prop_assert_eq!(TraceState::parse(state.as_str()).unwrap(), state.clone());
        }
    }

    #[test]
    fn a_valid_tracestate_keeps_its_members_in_order(
        members in prop::collection::vec((key(), value()), 0..40),
    ) {
        let header = members
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ,\t");
        let result = TraceState::parse(&header);
        let mut distinct: Vec<(&str, &str)> = Vec::new();
        for (k, v) in &members {
            if distinct.iter().all(|(dk, _)| dk != k) {
                distinct.push((k, v));
            }
        }
        if members.len() > MAX_MEMBERS {
            prop_assert!(result.is_err());
        } else {
            let state = result.unwrap();
            // Duplicate keys: the first stays.
            prop_assert_eq!(state.iter().collect::<Vec<_>>(), distinct);
        }
    }
}
