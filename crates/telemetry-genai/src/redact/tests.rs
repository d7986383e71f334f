use super::*;
use serde_json::json;

#[test]
fn default_redactor_masks_secrets_and_keeps_the_text_around_them() {
    let r = DefaultRedactor;
    let cases = [
        (
            "use sk-ant-api03-abcdefghijklmnop1234 now",
            "use [REDACTED:sk-api-key] now",
        ),
        (
            "aws AKIAIOSFODNN7EXAMPLE.",
            "aws [REDACTED:aws-access-token].",
        ),
        (
            "bearer eyJhbGciOiJIUzI1NiJ9.e30.abc rest",
            "bearer [REDACTED:bearer-token] rest",
        ),
        (
            "{\"Authorization\": \"Bearer abc.def\", \"next\": 1}",
            "{\"Authorization\": \"Bearer [REDACTED:authorization]\", \"next\": 1}",
        ),
        // An unquoted value runs to white space, a quote or the end: a URL's next parameter
        // goes with it rather than a password's tail staying in clear.
        (
            "GET /x?api_key=12345&q=1 HTTP/1.1",
            "GET /x?api_key=[REDACTED:secret-assignment] HTTP/1.1",
        ),
        (
            "login with password=Tr0ub4dor&3horse now",
            "login with password=[REDACTED:secret-assignment] now",
        ),
        ("secret=ab;cd#ef", "secret=[REDACTED:secret-assignment]"),
        (
            "{\"cmd\": \"login password=a&b;c\\\\d\\n\", \"token\": \"q9\"}",
            "{\"cmd\": \"login password=[REDACTED:secret-assignment]\\n\", \"token\": \"[REDACTED:secret-assignment]\"}",
        ),
        (
            "{\"note\": \"{\\\"secret\\\": \\\"p&q\\\"}\"}",
            "{\"note\": \"{\\\"secret\\\": \\\"[REDACTED:secret-assignment]\\\"}\"}",
        ),
        (
            "Authorization: Token abc;def,ghi next",
            "Authorization: Token [REDACTED:authorization] next",
        ),
        (
            "x-api-key: secretvalue\r\nHost: a",
            "x-api-key: [REDACTED:secret-assignment]\r\nHost: a",
        ),
        (
            "password = hunter2, ok",
            "password = [REDACTED:secret-assignment] ok",
        ),
        (
            "Authorization: Bearer abcdefgh12345678 then other text",
            "Authorization: Bearer [REDACTED:authorization] then other text",
        ),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = us-east-1",
            "aws_secret_access_key = [REDACTED:aws-secret-access-key]\nregion = us-east-1",
        ),
        (
            "api_key: 'abc def'\nname: x",
            "api_key: '[REDACTED:secret-assignment]'\nname: x",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(r.redact(input), want, "{input}");
    }
    for unchanged in [
        "ask-me anything",
        "the sk- prefix alone",
        "an authorization step",
        "Bearer short",
        "naïve ünïcode sk-",
        "let token: String = read();",
        "fn f(token: Option<String>, key: &str) {}",
        "def f(password: str) -> bool:",
        "def g(secret: Dict[str,str]) -> None:",
        "f(secret: false, token: null);",
        "secret: false",
        "password: ${DB_PASSWORD}",
        "max_tokens = 512",
        "",
    ] {
        assert!(
            matches!(r.redact(unchanged), Cow::Borrowed(_)),
            "{unchanged} -> {}",
            r.redact(unchanged)
        );
    }
}

#[test]
fn redacting_twice_changes_nothing_more() {
    let r = DefaultRedactor;
    let once = r
        .redact("Authorization: Bearer abcdefgh12345678 and password=hunter2 and token is Zx9Qw3Er7Ty1Ui5Op2As")
        .into_owned();
    assert_eq!(r.redact(&once), once);
}

#[test]
fn json_redaction_masks_sensitive_keys_and_strings() {
    let mut v = json!({"headers": {"Authorization": "Basic abc", "accept": "json"},
                       "note": "token sk-4bd0e9c1f7a2b6d3e8c5a91f", "n": 1,
                       "max_tokens": 5, "db_password": 1234, "verify_token": true});
    DefaultRedactor.redact_json(&mut v);
    assert_eq!(
        v,
        json!({"headers": {"Authorization": "[REDACTED:secret-assignment]", "accept": "json"},
               "note": "token [REDACTED:sk-api-key]", "n": 1,
               "max_tokens": 5, "db_password": "[REDACTED:secret-assignment]", "verify_token": true})
    );
}

#[test]
fn sensitive_keys_are_recognised_by_their_ending() {
    for k in [
        "Authorization",
        "x-api-key",
        "API_KEY",
        "db_password",
        "aws_secret_access_key",
        "refresh_token",
        "client.secret",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ] {
        assert!(is_sensitive_key(k), "{k}");
    }
    for k in [
        "max_tokens",
        "token_count",
        "content",
        "key",
        "monkey",
        "role",
    ] {
        assert!(!is_sensitive_key(k), "{k}");
    }
}

struct Stars;
impl Redactor for Stars {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.contains("plan") {
            Cow::Owned(text.replace("plan", "****"))
        } else {
            Cow::Borrowed(text)
        }
    }
}

#[test]
fn chained_redactors_run_in_order() {
    let text = "the plan: password=hunter2";
    assert_eq!(
        Stars.then(DefaultRedactor).redact(text),
        "the ****: password=[REDACTED:secret-assignment]"
    );
    assert_eq!(
        DefaultRedactor.then(Stars).redact(text),
        "the ****: password=[REDACTED:secret-assignment]"
    );
    assert!(matches!(
        NoRedaction.then(NoRedaction).redact(text),
        Cow::Borrowed(_)
    ));
    let boxed: Box<dyn Redactor> = Box::new(DefaultRedactor);
    assert_eq!(boxed.then(Stars).redact("plan"), "****");
}
