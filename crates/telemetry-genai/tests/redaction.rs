//! The default redactor on its own: every corpus secret masked with the text around it kept
//! (in a sentence, inside JSON text, as a JSON value), ordinary text unchanged, and a property
//! test over random text with secrets inserted at random places.

mod common;

use common::corpus::{self, Gen, one_mask_between, one_mask_then_part_of, sentence};
use proptest::prelude::*;
use serde_json::{Value, json};
use telemetry_genai::{DefaultRedactor, MASK_PREFIX, Redactor};

#[test]
fn the_corpus_has_at_least_50_secrets() {
    assert!(corpus::cases().len() >= 50);
}

/// `text` redacted three ways: as it is, inside a JSON document written as text (the
/// document must stay valid JSON with its other members unchanged), and as a JSON value (tool
/// arguments). Each with the form's name; an error names what broke.
fn redacted_forms(text: &str) -> Result<[(&'static str, String); 3], String> {
    let r = DefaultRedactor;
    let doc = json!({"service": "billing", "note": text, "n": 7}).to_string();
    let out = r.redact(&doc);
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("(JSON text) {e}: {out}"))?;
    if v["service"] != "billing" || v["n"] != 7 {
        return Err(format!("(JSON text) other members changed: {out}"));
    }
    let mut args = json!({"query": text, "limit": 5});
    r.redact_json(&mut args);
    Ok([
        ("text", r.redact(text).into_owned()),
        ("JSON text", v["note"].as_str().unwrap_or("").to_owned()),
        (
            "JSON value",
            args["query"].as_str().unwrap_or("").to_owned(),
        ),
    ])
}

#[test]
fn every_corpus_secret_is_masked_and_the_text_around_it_kept() {
    let mut failures = Vec::new();
    for c in corpus::cases() {
        let (text, prefix, suffix) = sentence(&c);
        match redacted_forms(&text) {
            Ok(forms) => {
                for (form, out) in forms {
                    if !one_mask_between(&out, &prefix, &suffix) {
                        failures.push(format!("{} ({form}): {out}", c.name));
                    }
                }
            }
            Err(e) => failures.push(format!("{} {e}", c.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mask of an unquoted assigned value may take what follows it up to white space (a URL's
/// next query parameter), never leave a piece of the secret.
#[test]
fn an_unquoted_assigned_secret_is_masked_to_the_end_of_its_token() {
    let mut failures = Vec::new();
    for c in corpus::over_masked() {
        let (text, prefix, suffix) = sentence(&c);
        let context = format!("{prefix}{suffix}");
        match redacted_forms(&text) {
            Ok(forms) => {
                for (form, out) in forms {
                    if !one_mask_then_part_of(&out, &prefix, &suffix) {
                        failures.push(format!("{} ({form}): {out}", c.name));
                    }
                    if let Some(w) = corpus::leaks(&out, &c.secret, &context) {
                        failures.push(format!("{} ({form}) leaks {w:?}: {out}", c.name));
                    }
                }
            }
            Err(e) => failures.push(format!("{} {e}", c.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Text that looks like code, ids and numbers but holds no secret.
const ORDINARY: &[&str] = &[
    "The quick brown fox jumps over the lazy dog.",
    "Please summarise the quarterly report and list the three key risks.",
    "The password policy requires twelve characters; rotate keys every 90 days.",
    "A token is the smallest unit a model reads: about four characters of English.",
    "Use the secret sauce: more tests, smaller functions.",
    "request id 123e4567-e89b-12d3-a456-426614174000 finished in 35 ms",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed the flaky test",
    "see git show 3f2a1bc and a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    "open /usr/local/lib/python3.12/site-packages/requests/sessions.py line 589",
    "C:\\Users\\alice\\AppData\\Local\\Temp\\build-2024-11-30.log",
    "fn main() { let max_tokens: u32 = 4096; println!(\"{max_tokens}\"); }",
    "let token: String = tokenizer.next_token()?;",
    "def check_password(password: str) -> bool:\n    return len(password) >= 12",
    "if (apiKey === undefined) { throw new Error('missing api key'); }",
    "const secretName = process.env.SECRET_NAME;",
    "SELECT id, created_at FROM sessions WHERE expires_at < now();",
    "pi is 3.14159265358979323846 and e is 2.71828182845904523536",
    "order 100234, invoice INV-2024-000981, total 1,234.56 EUR",
    "https://docs.example.com/guide/getting-started?page=2#install",
    "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "The keyboard shortcut is Ctrl+Shift+P; the monkey patch lives in utils.",
    "Authorization happens in the gateway before the request reaches us.",
    "Bearer bonds were common in the 19th century.",
    "temperature=0.2 top_p=0.9 max_tokens=512 seed=42",
    "docker run -p 8080:80 -v /var/lib/data:/data nginx:1.27-alpine",
    "ñandú, Zürich, 東京, Москва: unicode survives untouched",
];

#[test]
fn ordinary_text_comes_out_unchanged() {
    let r = DefaultRedactor;
    for text in ORDINARY {
        assert_eq!(r.redact(text), *text);
        let mut v = json!({"content": text, "path": "/tmp/x", "max_tokens": 5});
        let before = v.clone();
        r.redact_json(&mut v);
        assert_eq!(v, before);
    }
}

/// Removes every `[REDACTED:<id>]`.
fn unmask(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(MASK_PREFIX) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(']').map_or(after.len(), |e| e + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

const WORDS: &[&str] = &[
    "the",
    "agent",
    "called",
    "a",
    "tool",
    "with",
    "query",
    "and",
    "got",
    "result",
    "in",
    "42",
    "ms",
    "then",
    "it",
    "answered",
    "user",
    "about",
    "weather",
    "Paris",
    "2024-11-30",
    "ok,",
    "(see",
    "above)",
    "file",
    "src/main.rs",
    "line",
    "17:",
    "done.",
    "über",
    "naïve",
    "—",
    "\n",
    "\t",
    "{",
    "}",
    "\"quoted\"",
    "x=1",
    "path=/tmp/a",
    "v1.2.3",
];

fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..12).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random text with corpus secrets inserted at random places: no secret leaks, and
    /// removing the masks gives back the text without the secrets.
    #[test]
    fn random_text_with_secrets_never_leaks_and_keeps_the_rest(
        parts in prop::collection::vec((filler(), 0usize..1000), 1..5),
        tail in filler(),
    ) {
        let cases = corpus::cases();
        let mut text = String::new();
        let mut plain = String::new();
        let mut secrets = Vec::new();
        for (words, pick) in &parts {
            let c = &cases[pick % cases.len()];
            text.push_str(words);
            plain.push_str(words);
            let around = format!(" {}", c.before);
            text.push_str(&around);
            plain.push_str(&around);
            text.push_str(&c.secret);
            secrets.push(c.secret.clone());
            let around = format!("{} ", c.after);
            text.push_str(&around);
            plain.push_str(&around);
        }
        text.push_str(&tail);
        plain.push_str(&tail);
        let out = DefaultRedactor.redact(&text);
        for s in &secrets {
            prop_assert!(corpus::leaks(&out, s, &plain).is_none(), "{s} leaks in {out}");
        }
        prop_assert_eq!(unmask(&out), plain);
    }
}

#[test]
fn the_generator_is_deterministic() {
    assert_eq!(
        Gen::new(1).pick(corpus::HEX, 16),
        Gen::new(1).pick(corpus::HEX, 16)
    );
}
