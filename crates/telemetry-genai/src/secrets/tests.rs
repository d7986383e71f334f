use super::*;

fn ids(text: &str) -> Vec<(&str, &'static str)> {
    scanner()
        .find(text)
        .into_iter()
        .map(|f| (&text[f.start..f.end], f.rule))
        .collect()
}

/// Every vendored rule compiles with Rust's `regex` (RE2 syntax); any that does not is
/// listed here, and the scanner skips it.
#[test]
fn rules_that_do_not_compile_are_counted_and_skipped() {
    let s = scanner();
    let failed: Vec<(&str, String)> = s
        .rules
        .iter()
        .filter_map(|r| {
            r.try_compile()
                .err()
                .map(|e| (r.id.as_str(), e.to_string()))
        })
        .collect();
    for (id, e) in &failed {
        eprintln!("skipped rule {id}: {e}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} rules do not compile: {:?}",
        failed.len(),
        s.rules.len(),
        failed.iter().map(|f| f.0).collect::<Vec<_>>()
    );
    assert!(s.rules.len() > 220);
    assert!(s.automaton.is_some());
    assert_eq!(s.allow_regexes.len(), 13);
}

#[test]
fn only_the_secret_group_is_masked_and_format_rules_name_the_span() {
    assert_eq!(
        ids("export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345 now"),
        [("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github-pat")]
    );
    assert_eq!(
        ids("db: postgres://admin:s3cr3t-pw@db.internal:5432/app"),
        [("s3cr3t-pw", "url-credentials")]
    );
    assert_eq!(
        ids(r#"{"password":"hunter2","user":"bob"}"#),
        [("hunter2", "secret-assignment")]
    );
}

#[test]
fn high_entropy_tokens_are_masked_only_next_to_a_secret_like_word() {
    let key = "Zx9Qw3Er7Ty1Ui5Op2As";
    assert_eq!(
        ids(&format!("the token is {key} for prod")),
        [(key, "high-entropy-near-keyword")]
    );
    assert!(ids(&format!("the build id is {key} for prod")).is_empty());
    assert!(ids("the token is internationalization for prod").is_empty());
}

#[test]
fn masks_never_split_a_character() {
    let text = "password=pässwörd, ok";
    for f in scanner().find(text) {
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
    }
}

/// A gitleaks `key = value` rule ends its regex at `&`; its mask runs on to the end of the
/// token (`creds` is a keyword of `generic-api-key` only).
#[test]
fn gitleaks_assignment_rules_mask_to_the_end_of_the_token() {
    assert_eq!(
        ids("db_creds=Zx9Qw3Er7Ty1&Ui5Op;2As#x ok"),
        [("Zx9Qw3Er7Ty1&Ui5Op;2As#x", "generic-api-key")]
    );
    assert_eq!(
        ids("export db_creds=Zx9Qw3Er7Ty1, ok"),
        [("Zx9Qw3Er7Ty1,", "generic-api-key")]
    );
    // A format rule that is no assignment still ends where its format does.
    assert_eq!(
        ids("use dapi0123456789abcdef0123456789abcdef#frag"),
        [(
            "dapi0123456789abcdef0123456789abcdef",
            "databricks-api-token"
        )]
    );
}

/// The global allowlist keeps the literals `true`, `false` and `null` as whole values only:
/// a secret that starts with `true`, holds `false` or ends in `null` is still a secret.
#[test]
fn allowlisted_literals_are_whole_values_only() {
    assert_eq!(
        ids("db_creds=falsepositive99Zx9Qw3 ok"),
        [("falsepositive99Zx9Qw3", "generic-api-key")]
    );
    assert_eq!(
        ids("db_creds=trueZx9Qw3Er7Ty1 ok"),
        [("trueZx9Qw3Er7Ty1", "generic-api-key")]
    );
    assert_eq!(
        ids("db_creds=Zx9Qw3Er7Ty1null ok"),
        [("Zx9Qw3Er7Ty1null", "generic-api-key")]
    );
    assert!(ids("db_creds=false ok").is_empty());
    assert!(ids("db_creds=NULL ok").is_empty());
}
