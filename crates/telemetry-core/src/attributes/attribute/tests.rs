//! Conversions, JSON rendering and the `attrs!` forms.

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
    assert!(matches!(&a[0].value, AttributeValue::String(StringValue::Owned(s)) if s == "gpt-4o"));
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
    let forwarded: &'static [Attribute] = forward!("agent" => "planner", "ok" => true, "n" => -1);
    assert_eq!(direct[0], forwarded[0]);
    assert_eq!(forwarded[1].value, AttributeValue::Bool(true));
}
