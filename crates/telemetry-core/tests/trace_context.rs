//! W3C Trace Context Level 2 (<https://www.w3.org/TR/trace-context-2/>), rule by rule: one
//! table per rule, each row naming the section it checks. Rows taken from the W3C test suite
//! (`test/test.py` in w3c/trace-context) name its test.

use telemetry_core::propagation::{
    FLAG_RANDOM_TRACE_ID, FLAG_SAMPLED, RemoteParent, TraceState, format_traceparent_with_flags,
};

const TP: &str = "00-12345678901234567890123456789012-1234567890123456-01";
const TRACE: &str = "12345678901234567890123456789012";
const SPAN: &str = "1234567890123456";

/// (section, input, `Some((sampled, random))` if valid).
type ParentRow = (&'static str, String, Option<(bool, bool)>);

#[test]
fn traceparent_parsing_and_version_handling() {
    let ok = |s, r| Some((s, r));
    let rows: Vec<ParentRow> = vec![
        (
            "§3.2.2 version-format: the spec example",
            TP.into(),
            ok(true, false),
        ),
        (
            "§3.2.2.5 flags 00: not sampled",
            TP.replace("-01", "-00"),
            ok(false, false),
        ),
        (
            "§3.2.2.5 flags 03: sampled and random",
            TP.replace("-01", "-03"),
            ok(true, true),
        ),
        (
            "§3.2.2.5 Other Flags: reserved bits ignored",
            TP.replace("-01", "-fd"),
            ok(true, false),
        ),
        (
            "§3.2.2.1 version ff is forbidden",
            format!("ff{}", &TP[2..]),
            None,
        ),
        (
            "§3.2.4 version prefix not hex",
            format!(".0{}", &TP[2..]),
            None,
        ),
        (
            "§3.2.4 version prefix not hex",
            format!("0.{}", &TP[2..]),
            None,
        ),
        ("§3.2.4 version too long", format!("000{}", &TP[2..]), None),
        ("§3.2.4 version too short", TP[1..].into(), None),
        (
            "§3.2.2.2 version 00 with a fifth field",
            format!("{TP}-what-the-future-will-be-like"),
            None,
        ),
        (
            "§3.2.2.2 version 00 with a trailing character",
            format!("{TP}."),
            None,
        ),
        (
            "§3.2.4 higher version read by the 00 layout",
            format!("cc{}", &TP[2..]),
            ok(true, false),
        ),
        (
            "§3.2.4 higher version, more fields ignored",
            format!("cc{}-what-the-future-will-be-like", &TP[2..]),
            ok(true, false),
        ),
        (
            "§3.2.4 higher version: flags followed by other than '-'",
            format!("cc{}.what-the-future", &TP[2..]),
            None,
        ),
        (
            "§3.2.4 higher version shorter than 55 characters",
            format!("cc{}", &TP[2..54]),
            None,
        ),
        (
            "§3.2.2.3 trace-id all zeros",
            TP.replace(TRACE, &"0".repeat(32)),
            None,
        ),
        (
            "§3.2.2.3 trace-id illegal character",
            TP.replace(TRACE, &format!(".{}", &TRACE[1..])),
            None,
        ),
        (
            "§3.2.2.3 trace-id upper-case hex",
            TP.replace(TRACE, "4BF92F3577B34DA6A3CE929D0E0E4736"),
            None,
        ),
        (
            "§3.2.2.3 trace-id too long",
            TP.replace(TRACE, &format!("{TRACE}3")),
            None,
        ),
        (
            "§3.2.2.3 trace-id too short",
            TP.replace(TRACE, &TRACE[1..]),
            None,
        ),
        (
            "§3.2.2.4 parent-id all zeros",
            TP.replace(SPAN, &"0".repeat(16)),
            None,
        ),
        (
            "§3.2.2.4 parent-id illegal character",
            TP.replace(SPAN, &format!("{}.", &SPAN[1..])),
            None,
        ),
        (
            "§3.2.2.4 parent-id too long",
            TP.replace(SPAN, &format!("{SPAN}7")),
            None,
        ),
        (
            "§3.2.2.4 parent-id too short",
            TP.replace(SPAN, &SPAN[1..]),
            None,
        ),
        (
            "§3.2.2.5 trace-flags illegal character",
            TP.replace("-01", "-.0"),
            None,
        ),
        ("§3.2.2.5 trace-flags too long", format!("{TP}1"), None),
        ("§3.2.2.5 trace-flags too short", TP[..54].into(), None),
        (
            "§3.2.2 OWS around the value (test_traceparent_ows_handling)",
            format!(" \t{TP}\t "),
            ok(true, false),
        ),
        ("§3.2.2 fields separated by '-'", TP.replace('-', "_"), None),
        (
            "§3.2.2 non-ASCII does not panic",
            format!("0é{}", &TP[3..]),
            None,
        ),
        ("§3.2.2 empty", String::new(), None),
    ];
    for (section, input, expected) in rows {
        let got = RemoteParent::parse_traceparent(&input);
        match (expected, got) {
            (Some((sampled, random)), Ok(p)) => {
                assert_eq!(p.trace_id.to_string(), TRACE, "{section}: {input:?}");
                assert_eq!(p.span_id.to_string(), SPAN, "{section}: {input:?}");
                assert_eq!(
                    (p.sampled, p.random_trace_id),
                    (sampled, random),
                    "{section}: {input:?}"
                );
            }
            (None, Err(e)) => {
                let text = e.to_string();
                assert!(
                    text.contains("invalid traceparent") && text.contains('§'),
                    "{section}: {text}"
                );
            }
            (expected, got) => panic!("{section}: {input:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn traceparent_is_sent_at_version_00_with_the_flags_this_version_defines() {
    let p = RemoteParent::parse_traceparent(&format!("cc-{TRACE}-{SPAN}-ff-more")).unwrap();
    // §3.4 "Downgrade the version" and §3.2.2.5: the random flag stays with its trace id,
    // reserved bits are sent as zero.
    let out = format_traceparent_with_flags(p.trace_id, p.span_id, p.outgoing_flags(p.sampled));
    assert_eq!(out, format!("00-{TRACE}-{SPAN}-03"));
    assert_eq!(FLAG_SAMPLED | FLAG_RANDOM_TRACE_ID, 3);
}

/// (section, input, the list kept, or `None` when the header is dropped).
type StateRow = (&'static str, String, Option<String>);

#[test]
fn tracestate_grammar() {
    let kept = |s: &str| Some(s.to_owned());
    let all_key_chars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    let all_value_chars: String = (0x20u8..=0x7e)
        .filter(|b| *b != b',' && *b != b'=')
        .map(char::from)
        .collect();
    let rows: Vec<StateRow> = vec![
        (
            "§3.3.2.1 list: two members",
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE".into(),
            kept("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        ),
        (
            "§3.3.2 OWS around members ignored",
            "foo=1 \t , \t bar=2, \t baz=3".into(),
            kept("foo=1,bar=2,baz=3"),
        ),
        (
            "§3.3.2 OWS at both ends",
            "\t foo=1 \t".into(),
            kept("foo=1"),
        ),
        (
            "§3.3.2 empty list members allowed",
            ",foo=1,, ,bar=2,".into(),
            kept("foo=1,bar=2"),
        ),
        ("§3.3.2 empty header accepted", String::new(), kept("")),
        (
            "§3.3.2.2 Key: every key character (test_tracestate_all_allowed_characters)",
            format!("{all_key_chars}=1"),
            kept(&format!("{all_key_chars}=1")),
        ),
        (
            "§3.3.2.2 Key: multi-tenant tenant@system",
            "fw529a3039@dt=1".into(),
            kept("fw529a3039@dt=1"),
        ),
        (
            "§3.3.2.2 Key: may start with a digit",
            "0vendor=1".into(),
            kept("0vendor=1"),
        ),
        (
            "§3.3.2.2 Key: '@' anywhere but first (Level 2 keychar)",
            "foo@=1,bar=2".into(),
            kept("foo@=1,bar=2"),
        ),
        (
            "§3.3.2.2 Key: several '@' (Level 2 keychar)",
            "foo@bar@baz=1,bar=2".into(),
            kept("foo@bar@baz=1,bar=2"),
        ),
        (
            "§3.3.2.2 Key: '@@' (Level 2 keychar)",
            "foo@@bar=1,bar=2".into(),
            kept("foo@@bar=1,bar=2"),
        ),
        (
            "§3.3.2.2 Key: must not start with '@'",
            "@foo=1,bar=2".into(),
            None,
        ),
        ("§3.3.2.2 Key: space inside", "foo =1".into(), None),
        ("§3.3.2.2 Key: upper case", "FOO=1".into(), None),
        ("§3.3.2.2 Key: '.' not a keychar", "foo.bar=1".into(), None),
        ("§3.3.2.2 Key: empty", "=1".into(), None),
        (
            "§3.3.2.2 Value: every value character",
            format!("k={}", all_value_chars.trim_end()),
            kept(&format!("k={}", all_value_chars.trim_end())),
        ),
        (
            "§3.3.2.2 Value: leading spaces kept",
            "foo=  1".into(),
            kept("foo=  1"),
        ),
        (
            "§3.3.2.2 Value: '=' not allowed",
            "foo=bar=baz".into(),
            None,
        ),
        (
            "§3.3.2.2 Value: empty (test_tracestate_value_illegal_characters)",
            "foo=,bar=3".into(),
            None,
        ),
        ("§3.3.2.2 Value: non-ASCII", "foo=é".into(), None),
        (
            "§3.3.2.2 Value: control character",
            "foo=a\u{1}b".into(),
            None,
        ),
        ("§3.3.2.2 list-member: no '='", "foo".into(), None),
    ];
    check_states(rows);
}

#[test]
fn tracestate_limits() {
    let kept = |s: &str| Some(s.to_owned());
    let members = |n: usize| {
        (1..=n)
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let key256 = "z".repeat(256);
    let value256 = "v".repeat(256);
    let rows: Vec<StateRow> = vec![
        (
            "§3.3.2.1 list: 32 members kept",
            members(32),
            kept(&members(32)),
        ),
        (
            "§3.3.2.1 list: 33 members, header dropped",
            members(33),
            None,
        ),
        (
            "§3.3.2.1 list: empty members do not count",
            format!("{},,,", members(32)),
            kept(&members(32)),
        ),
        (
            "§3.3.2.2 Key: 256 characters kept",
            format!("{key256}=1"),
            kept(&format!("{key256}=1")),
        ),
        (
            "§3.3.2.2 Key: 257 characters, header dropped",
            format!("foo=1,z{key256}=1"),
            None,
        ),
        (
            "§3.3.2.2 Key: '@' within 256 characters",
            format!("{}@{}=1", "t".repeat(242), "v"),
            kept(&format!("{}@v=1", "t".repeat(242))),
        ),
        (
            "§3.3.2.2 Key: long system part (Level 2 keychar)",
            format!("t@{}=1", "v".repeat(15)),
            kept(&format!("t@{}=1", "v".repeat(15))),
        ),
        (
            "§3.3.2.2 Value: 256 characters kept",
            format!("k={value256}"),
            kept(&format!("k={value256}")),
        ),
        (
            "§3.3.2.2 Value: 257 characters, header dropped",
            format!("k=v{value256}"),
            None,
        ),
    ];
    check_states(rows);
}

#[test]
fn tracestate_several_headers_are_combined() {
    // (section, field lines, the list kept or None)
    let rows: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        (
            "§3.3.2 combined in order (RFC 9110 §5.3)",
            vec!["foo=1,bar=2", "rojo=1,congo=2", "baz=3"],
            Some("foo=1,bar=2,rojo=1,congo=2,baz=3"),
        ),
        (
            "§3.3.2 an empty first field hides nothing",
            vec!["", "foo=1"],
            Some("foo=1"),
        ),
        (
            "§3.3.2 an empty last field",
            vec!["foo=1", ""],
            Some("foo=1"),
        ),
        (
            "§3.3.2 an invalid member in any field drops the combination",
            vec!["foo=1", "BAR=2"],
            None,
        ),
        (
            "§3.5 duplicate keys: first kept (test_tracestate_duplicated_keys)",
            vec!["foo=1,foo=2", "foo=3"],
            Some("foo=1"),
        ),
    ];
    for (section, lines, expected) in rows {
        let got = TraceState::from_headers(lines.iter().copied());
        assert_eq!(
            got.as_ref().ok().map(TraceState::as_str),
            expected,
            "{section}: {lines:?} -> {got:?}"
        );
    }
    // 4 fields of 10, 10, 10 and 3 members: 33 in all.
    let line = |from: usize, to: usize| {
        (from..=to)
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let lines = [line(1, 10), line(11, 20), line(21, 30), line(31, 33)];
    assert!(
        TraceState::from_headers(lines.iter().map(String::as_str)).is_err(),
        "§3.3.2.1 33 members over 4 fields"
    );
    let lines = [line(1, 10), line(11, 20), line(21, 30), line(31, 32)];
    assert_eq!(
        TraceState::from_headers(lines.iter().map(String::as_str))
            .unwrap()
            .len(),
        32,
        "§3.3.2.1 32 over 4 fields"
    );
}

#[test]
fn tracestate_mutation() {
    let state = TraceState::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").unwrap();
    // (section, result, expected)
    let rows: Vec<(&str, String, &str)> = vec![
        (
            "§3.5 Add a new key/value pair: to the left",
            state.with("acme", "1").unwrap().to_string(),
            "acme=1,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
        ),
        (
            "§3.5 Update an existing value: moved to the left",
            state.with("congo", "ucfJifl5GOE").unwrap().to_string(),
            "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7",
        ),
        (
            "§3.5 Delete a key/value pair",
            state.without("rojo").to_string(),
            "congo=t61rcWkgMzE",
        ),
    ];
    for (section, got, expected) in rows {
        assert_eq!(got, expected, "{section}");
    }
    // §3.3.2: "If adding an entry would cause the tracestate list to contain more than 32
    // list-members the right-most list-member should be removed".
    let full = TraceState::from_headers(
        (1..=32)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    )
    .unwrap();
    let added = full.with("new", "1").unwrap();
    assert_eq!(added.len(), 32);
    assert_eq!(added.iter().next(), Some(("new", "1")));
    assert_eq!(added.get("k32"), None);
    assert_eq!(added.get("k31"), Some("v"));
    // §3.3.2.2: a mutation is checked by the same grammar.
    let e = state.with("Bad", "1").unwrap_err();
    assert!(
        e.to_string().contains("\"Bad=1\"") && e.reason().contains("§3.3.2.2 Key"),
        "{e}"
    );
    assert!(state.with("ok", "a,b").is_err());
}

#[test]
fn extraction_applies_every_rule_to_the_carrier() {
    // (section, header lines, expected (trace id, tracestate) or None for a new trace)
    type Row<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Option<(&'a str, Option<&'a str>)>,
    );
    let other = "00-12345678901234567890123456789011-1234567890123456-01";
    let rows: Vec<Row> = vec![
        (
            "§3.2 a traceparent alone",
            vec![("traceparent", TP)],
            Some((TRACE, None)),
        ),
        (
            "§3.2.1 header name is case-insensitive",
            vec![("TraceParent", TP), ("TrAcEsTaTe", "foo=1")],
            Some((TRACE, Some("foo=1"))),
        ),
        (
            "§3.2 duplicated traceparent: a new trace (test_traceparent_duplicated)",
            vec![("traceparent", other), ("traceparent", TP)],
            None,
        ),
        (
            "§3.2 duplicated identical traceparent: still two",
            vec![("traceparent", TP), ("traceparent", TP)],
            None,
        ),
        (
            "§3.3 tracestate without traceparent is discarded",
            vec![("tracestate", "foo=1")],
            None,
        ),
        (
            "§3.3 an invalid traceparent: tracestate not read",
            vec![("traceparent", "00-xyz"), ("tracestate", "foo=1")],
            None,
        ),
        (
            "§3.3 an invalid tracestate does not affect traceparent",
            vec![("traceparent", TP), ("tracestate", "foo=bar=baz")],
            Some((TRACE, None)),
        ),
        (
            "§3.3.2 several tracestate lines combined",
            vec![
                ("traceparent", TP),
                ("tracestate", "foo=1"),
                ("tracestate", "bar=2"),
            ],
            Some((TRACE, Some("foo=1,bar=2"))),
        ),
        (
            "§3.3.2 an empty tracestate sends none",
            vec![("traceparent", TP), ("tracestate", " ")],
            Some((TRACE, None)),
        ),
        (
            "§3.3.1 tracestate under a wrong name is ignored",
            vec![("traceparent", TP), ("trace-state", "foo=1")],
            Some((TRACE, None)),
        ),
    ];
    for (section, lines, expected) in rows {
        let carrier: Vec<(&str, &str)> = lines.clone();
        let got = RemoteParent::extract(&carrier);
        let got = got.as_ref().map(|p| {
            (
                p.trace_id.to_string(),
                p.trace_state.as_ref().map(|s| s.as_str().to_owned()),
            )
        });
        let expected = expected.map(|(t, s)| (t.to_owned(), s.map(str::to_owned)));
        assert_eq!(got, expected, "{section}: {lines:?}");
    }
}

fn check_states(rows: Vec<StateRow>) {
    for (section, input, expected) in rows {
        let got = TraceState::parse(&input);
        match (&expected, &got) {
            (Some(kept), Ok(state)) => assert_eq!(state.as_str(), kept, "{section}: {input:?}"),
            (None, Err(e)) => assert!(
                e.to_string().starts_with("invalid tracestate list member"),
                "{section}: {e}"
            ),
            _ => panic!("{section}: {input:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn tracestate_truncation_by_size() {
    let long = |k: &str| format!("{k}={}", "x".repeat(130));
    let state = TraceState::from_headers(
        [
            "a=1".to_owned(),
            long("big1"),
            "b=2".to_owned(),
            long("big2"),
            "c=3".to_owned(),
        ]
        .iter()
        .map(String::as_str),
    )
    .unwrap();
    // (section, max_len, expected)
    let rows: Vec<(&str, usize, String)> = vec![
        (
            "§3.3.3.1 within the limit: unchanged",
            1000,
            state.to_string(),
        ),
        (
            "§3.3.3.1 entries over 128 characters go first, right-most first",
            state.as_str().len() - 1,
            format!("a=1,{},b=2,c=3", long("big1")),
        ),
        (
            "§3.3.3.1 then both large ones",
            100,
            "a=1,b=2,c=3".to_owned(),
        ),
        (
            "§3.3.3.1 then from the end, whole entries only",
            8,
            "a=1,b=2".to_owned(),
        ),
        ("§3.3.3.1 nothing fits", 2, String::new()),
    ];
    for (section, max, expected) in rows {
        let got = state.truncated(max);
        assert_eq!(got.as_str(), expected, "{section}");
        assert!(got.as_str().len() <= max, "{section}");
    }
}
