//! Property tests of content truncation ([`bounded_json`]): whatever JSON content a GenAI
//! attribute carries, and whatever limit is configured (256 bytes at least, as
//! `AGENT_TELEMETRY_GENAI_MAX_CONTENT_BYTES` requires), the result is valid JSON no longer
//! than the limit, untouched when it fits, and marked when it was cut.

use proptest::prelude::*;
use serde_json::{Value, json};
use telemetry_genai::{TRUNCATION_MARKER, bounded_json};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-zé😀\"\\\\\n ]{0,400}", "x{0,3000}"]
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// GenAI messages as the conventions shape them: role and parts.
fn messages() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["user", "assistant", "tool", "system"]),
            prop::collection::vec(text(), 1..4),
        ),
        0..8,
    )
    .prop_map(|ms| {
        Value::Array(
            ms.into_iter()
                .map(|(role, parts)| {
                    json!({
                        "role": role,
                        "parts": parts.into_iter().map(|t| json!({"type": "text", "content": t})).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn output_is_valid_json_within_the_limit(
        value in prop_oneof![json_value(), messages()],
        limit in 256usize..4096,
    ) {
        let full = serde_json::to_string(&value).unwrap();
        let (out, cut) = bounded_json(&value, limit);
        prop_assert!(out.len() <= limit, "{} bytes over a {limit}-byte limit: {out}", out.len());
        let parsed: Result<Value, _> = serde_json::from_str(&out);
        prop_assert!(parsed.is_ok(), "not JSON: {out}");
        if full.len() <= limit {
            prop_assert!(!cut);
            prop_assert_eq!(out, full);
        } else {
            prop_assert!(cut);
            prop_assert!(
                out.contains(TRUNCATION_MARKER) || out == "[]" || out.len() < full.len(),
                "{out}"
            );
        }
    }
}
