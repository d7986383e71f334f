//! W3C Baggage (<https://www.w3.org/TR/baggage/>): the header format rule by rule, property
//! tests for encode/decode and the limits, and baggage on scopes.

use proptest::prelude::*;
use telemetry_core::propagation::{
    Baggage, BaggageEntry, MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ENTRIES, RemoteParent,
};
use telemetry_core::{
    BaggageAttributes, ContextualCorrelator, CorrelatorExt, NoOpCorrelator, Scope, ScopeOptions,
    attrs,
};

#[test]
fn header_format() {
    // (section, header, expected entries as (key, value, properties joined) in order)
    type Row = (
        &'static str,
        &'static str,
        Vec<(&'static str, &'static str, &'static str)>,
    );
    let rows: Vec<Row> = vec![
        (
            "Examples: single header",
            "userId=alice,serverNode=DF%2028,isProduction=false",
            vec![
                ("userId", "alice", ""),
                ("serverNode", "DF 28", ""),
                ("isProduction", "false", ""),
            ],
        ),
        (
            "value: percent-encoded UTF-8",
            "userId=Am%C3%A9lie",
            vec![("userId", "Amélie", "")],
        ),
        (
            "value: invalid UTF-8 becomes U+FFFD",
            "k=a%FFb",
            vec![("k", "a\u{FFFD}b", "")],
        ),
        (
            "key, value: OWS around is not part of them",
            "userId =   alice , serverNode = DF%2028",
            vec![("userId", "alice", ""), ("serverNode", "DF 28", "")],
        ),
        (
            "value: may contain '='",
            "k=a=b==",
            vec![("k", "a=b==", "")],
        ),
        ("value: may be empty", "k=", vec![("k", "", "")]),
        (
            "property: key and key=value",
            "key1=value1;property1;property2, key3=value3; propertyKey=propertyValue",
            vec![
                ("key1", "value1", "property1;property2"),
                ("key3", "value3", "propertyKey=propertyValue"),
            ],
        ),
        (
            "property: value percent-decoded",
            "k=v;p=a%20b",
            vec![("k", "v", "p=a b")],
        ),
        (
            "Mutating: an offending member is removed",
            "good=1,bad key=2,also\"bad=3,x=a b,ok=4",
            vec![("good", "1", ""), ("ok", "4", "")],
        ),
        ("key: a token, not empty", "=1,k=2", vec![("k", "2", "")]),
        (
            "Mutating: duplicates keep the last value, first place",
            "k=1,j=2,k=3",
            vec![("k", "3", ""), ("j", "2", "")],
        ),
        ("empty members ignored", ",,k=1,, ", vec![("k", "1", "")]),
    ];
    for (section, header, expected) in rows {
        let b = Baggage::parse(header);
        let got: Vec<(String, String, String)> = b
            .iter()
            .map(|e| {
                let props: Vec<String> = e
                    .properties
                    .iter()
                    .map(|p| match &p.value {
                        Some(v) => format!("{}={v}", p.key),
                        None => p.key.clone(),
                    })
                    .collect();
                (e.key.clone(), e.value.clone(), props.join(";"))
            })
            .collect();
        let expected: Vec<(String, String, String)> = expected
            .into_iter()
            .map(|(k, v, p)| (k.to_owned(), v.to_owned(), p.to_owned()))
            .collect();
        assert_eq!(got, expected, "{section}: {header:?}");
    }
}

#[test]
fn several_headers_are_one_list_and_encoding_escapes_what_it_must() {
    // "Baggage might be split into multiple headers"; limits apply to the combination.
    let b = Baggage::from_headers(["userId=alice", "serverNode=DF%2028,isProduction=false"]);
    assert_eq!(
        b.encode(),
        "userId=alice,serverNode=DF%2028,isProduction=false"
    );
    // value: outside baggage-octet and '%' are encoded; the rest is not.
    let mut b = Baggage::new();
    b.insert("k", "a b,c;d\\e\"f%g=h/é").unwrap();
    assert_eq!(b.encode(), "k=a%20b%2Cc%3Bd%5Ce%22f%25g=h/%C3%A9");
    let e = b.insert("bad key", "1").unwrap_err();
    assert!(
        e.to_string().contains("\"bad key\"") && e.to_string().contains("token"),
        "{e}"
    );
}

#[test]
fn limits_drop_whole_members() {
    // 181 members: the 181st is dropped ("Limits": at most 180 here, none cut).
    let header: Vec<String> = (0..181).map(|i| format!("k{i}={i}")).collect();
    let b = Baggage::parse(&header.join(","));
    assert_eq!(b.len(), MAX_BAGGAGE_ENTRIES);
    assert_eq!(b.get("k179"), Some("179"));
    assert_eq!(b.get("k180"), None);
    // 8192 bytes: a member that would pass it is dropped whole, later small ones still fit.
    let big = "v".repeat(5000);
    let b = Baggage::parse(&format!("a={big},b={big},c=1"));
    assert_eq!(b.encode(), format!("a={big},c=1"));
}

fn entry() -> impl Strategy<Value = BaggageEntry> {
    let key = "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}";
    let props = prop::collection::vec((key, prop::option::of(any::<String>())), 0..3);
    (key, any::<String>(), props).prop_map(|(k, v, props)| {
        props
            .into_iter()
            .fold(BaggageEntry::new(&k, &v).unwrap(), |e, (pk, pv)| {
                e.with_property(&pk, pv.as_deref()).unwrap()
            })
    })
}

proptest! {
    // Few cases: each builds up to 200 entries, and the suite runs unoptimised.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn decode_of_encode_is_identity(entries in prop::collection::vec(entry(), 0..20)) {
        let mut b = Baggage::new();
        for e in entries {
            b.insert_entry(e);
        }
        let header = b.encode();
        prop_assert!(header.bytes().all(|c| c.is_ascii_graphic()), "{header:?}");
        prop_assert_eq!(Baggage::parse(&header), b);
    }

    #[test]
    fn limits_always_hold(
        entries in prop::collection::vec(entry(), 170..200),
        pad in 0usize..200,
    ) {
        let mut b = Baggage::new();
        for mut e in entries {
            e.value.push_str(&"x".repeat(pad));
            b.insert_entry(e);
        }
        let header = b.encode();
        prop_assert!(b.len() <= MAX_BAGGAGE_ENTRIES);
        prop_assert!(header.len() <= MAX_BAGGAGE_BYTES);
        prop_assert_eq!(header.len(), b.encoded_len());
        // Parsing an oversized list (every member twice) keeps within the limits too.
        let parsed = Baggage::from_headers([header.as_str(), header.as_str()]);
        prop_assert!(parsed.len() <= MAX_BAGGAGE_ENTRIES && parsed.encode().len() <= MAX_BAGGAGE_BYTES);
    }

    #[test]
    fn any_header_parses_without_panic(header in any::<String>()) {
        let b = Baggage::parse(&header);
        prop_assert!(b.encode().len() <= MAX_BAGGAGE_BYTES);
    }
}

struct Plain;
impl ContextualCorrelator for Plain {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        options.resolve().into_scope(None)
    }
}

#[test]
fn scopes_inherit_baggage_over_the_remote_callers() {
    let headers = vec![
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("baggage", "user=alice,session.id=s-1"),
    ];
    let remote = RemoteParent::extract(&headers);
    let root = Plain.open_scope(ScopeOptions::new("edge").remote_parent(remote));
    let cx = root.context();
    assert_eq!(cx.baggage_value("user").as_deref(), Some("alice"));
    // A scope's own entry replaces the caller's for it and below, not above.
    let child = Plain.open_scope(ScopeOptions::new("child").child_of(cx));
    child.context().set_baggage("user", "bob").unwrap();
    child.context().set_baggage("tenant", "t9").unwrap();
    let grandchild = Plain.open_scope(ScopeOptions::new("grandchild").child_of(child.context()));
    let g = grandchild.context();
    assert_eq!(g.baggage_value("user").as_deref(), Some("bob"));
    assert_eq!(g.baggage().encode(), "user=bob,session.id=s-1,tenant=t9");
    assert_eq!(cx.baggage().encode(), "user=alice,session.id=s-1");
    // inject sends it all.
    let mut out: std::collections::HashMap<String, String> = Default::default();
    Plain.inject(g, &mut out);
    assert_eq!(out["baggage"], "user=bob,session.id=s-1,tenant=t9");
}

#[test]
fn noop_baggage_does_nothing() {
    let scope = NoOpCorrelator.enter_scope("request", &[]);
    assert!(
        !scope
            .context()
            .set_baggage_entry(BaggageEntry::new("k", "v").unwrap())
    );
    assert_eq!(scope.context().baggage_value("k"), None);
    assert!(scope.context().baggage().is_empty());
}

#[test]
fn chosen_keys_are_copied_onto_scope_attributes() {
    let c = BaggageAttributes::new(Plain, ["session.id", "user"]);
    let edge = c.enter_scope("edge", &[]);
    edge.context().set_baggage("session.id", "s-42").unwrap();
    edge.context().set_baggage("secret", "x").unwrap();
    let child = c.enter_scope("child", &attrs!["user" => "own wins"]);
    let own = child.context().own_attributes();
    assert_eq!(own.get("session.id").and_then(|v| v.as_str()), Some("s-42"));
    assert_eq!(own.get("user").and_then(|v| v.as_str()), Some("own wins"));
    assert!(own.get("secret").is_none(), "only chosen keys");
    // A remote caller's baggage reaches the root it opens.
    let headers = vec![
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("baggage", "session.id=from-caller"),
    ];
    let root = c.open_scope(ScopeOptions::new("server").remote_parent(c.extract(&headers)));
    let own = root.context().own_attributes();
    assert_eq!(
        own.get("session.id").and_then(|v| v.as_str()),
        Some("from-caller")
    );
}
