//! Size-bounded JSON: each content attribute stays valid JSON within
//! [`max_content_bytes`](crate::GenAiConfig::max_content_bytes).

use serde_json::Value;

/// Appended to a string that was cut to fit the size limit.
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// Keys under which strings are content and may be cut (role, type, ids and names never are).
const CUTTABLE_KEYS: &[&str] = &[
    "content",
    "arguments",
    "response",
    "result",
    "parameters",
    "description",
];

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix_within(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut at = max;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    &s[..at]
}

/// Cuts `s` to `cap` bytes (on a character boundary) and marks it, if it is longer.
fn cut(s: &mut String, cap: usize) {
    if s.len() <= cap {
        return;
    }
    s.truncate(prefix_within(s, cap).len());
    s.push_str(TRUNCATION_MARKER);
}

fn cap_strings(v: &mut Value, cap: usize, cuttable: bool) {
    match v {
        Value::String(s) if cuttable => cut(s, cap),
        Value::Array(a) => a.iter_mut().for_each(|x| cap_strings(x, cap, cuttable)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                cap_strings(x, cap, cuttable || CUTTABLE_KEYS.contains(&k.as_str()));
            }
        }
        _ => {}
    }
}

fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(o) => o.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

fn to_json(v: &Value) -> String {
    // Serialising a `Value` cannot fail (keys are strings).
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// Serialises `value` to at most `max_bytes` bytes of valid JSON; `true` when it had to cut.
///
/// First every content string (under `content`, `arguments`, `response`, … or anywhere when
/// `value` is not an array of messages) longer than a common cap is cut to the cap plus
/// [`TRUNCATION_MARKER`], with the largest cap that fits (found by binary search, so the longest
/// texts shrink first). If that is not enough, whole leading array elements (the oldest
/// messages) are dropped. A non-array value that still does not fit becomes the JSON string
/// `"…[truncated]"`.
pub fn bounded_json(value: &Value, max_bytes: usize) -> (String, bool) {
    let full = to_json(value);
    if full.len() <= max_bytes {
        return (full, false);
    }
    if let Some(s) = fit_by_capping(value, max_bytes) {
        return (s, true);
    }
    if let Value::Array(items) = value {
        // The fewest leading (oldest) elements to drop so that the rest fits with every content
        // string cut to the marker; dropping more only shrinks it, so binary search works.
        let fits_at = |drop: usize| {
            let mut rest = Value::Array(items[drop..].to_vec());
            cap_strings(&mut rest, 0, false);
            to_json(&rest).len() <= max_bytes
        };
        let (mut lo, mut hi) = (1, items.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if fits_at(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let rest = Value::Array(items[lo..].to_vec());
        return match fit_by_capping(&rest, max_bytes) {
            Some(s) => (s, true),
            None => ("[]".to_owned(), true),
        };
    }
    (to_json(&Value::String(TRUNCATION_MARKER.to_owned())), true)
}

/// The value with its content strings cut to the largest common cap that fits, if any does.
fn fit_by_capping(value: &Value, max_bytes: usize) -> Option<String> {
    let full = to_json(value);
    if full.len() <= max_bytes {
        return Some(full);
    }
    let top_cuttable = !value.is_array();
    let capped = |cap: usize| {
        let mut v = value.clone();
        cap_strings(&mut v, cap, top_cuttable);
        to_json(&v)
    };
    let (mut lo, mut hi) = (0usize, longest_string(value));
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let s = capped(mid);
        if s.len() <= max_bytes {
            best = Some(s);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_within_a_limit_ends_on_a_character_boundary() {
        assert_eq!(prefix_within("abc", 3), "abc");
        assert_eq!(prefix_within("abc", 2), "ab");
        // `é` is two bytes: a limit inside it keeps the character out.
        assert_eq!(prefix_within("aéb", 2), "a");
        assert_eq!(prefix_within("aéb", 3), "aé");
        assert_eq!(prefix_within("é", 0), "");
    }
    use crate::message::Message;
    use serde_json::json;

    fn messages(n: usize, len: usize) -> Value {
        let ms: Vec<Message> = (0..n)
            .map(|i| Message::user(format!("{i}:{}", "é".repeat(len))))
            .collect();
        serde_json::to_value(ms).unwrap()
    }

    #[test]
    fn bounded_json_keeps_small_values_and_cuts_large_ones_to_valid_json() {
        let v = messages(2, 10);
        let (s, cut) = bounded_json(&v, 1000);
        assert!(!cut);
        assert_eq!(s, serde_json::to_string(&v).unwrap());

        for max in [256, 300, 1000, 5000] {
            let (s, cut) = bounded_json(&messages(5, 2000), max);
            assert!(cut);
            assert!(s.len() <= max, "{} > {max}", s.len());
            let back: Value = serde_json::from_str(&s).expect("valid JSON");
            let arr = back.as_array().unwrap();
            assert!(!arr.is_empty());
            for m in arr {
                assert_eq!(m["role"], "user");
                assert!(
                    m["parts"][0]["content"]
                        .as_str()
                        .unwrap()
                        .ends_with(TRUNCATION_MARKER)
                );
            }
        }
    }

    #[test]
    fn bounded_json_drops_oldest_messages_when_cutting_text_is_not_enough() {
        let v = messages(40, 5);
        let (s, cut) = bounded_json(&v, 256);
        assert!(cut && s.len() <= 256);
        let back: Vec<Value> = serde_json::from_str(&s).unwrap();
        assert!(back.len() < 40);
        // The newest message survives.
        assert!(
            back.last().unwrap()["parts"][0]["content"]
                .as_str()
                .unwrap()
                .starts_with("39:")
        );
    }

    #[test]
    fn bounded_json_of_a_scalar_object_stays_json() {
        let v = json!({"query": "x".repeat(10_000)});
        let (s, cut) = bounded_json(&v, 256);
        assert!(cut && s.len() <= 256);
        let back: Value = serde_json::from_str(&s).unwrap();
        assert!(back["query"].as_str().unwrap().ends_with(TRUNCATION_MARKER));
    }
}
