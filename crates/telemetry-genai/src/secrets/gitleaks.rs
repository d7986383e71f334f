//! The gitleaks default ruleset (v8.30.1, MIT), vendored in `gitleaks/`: `gitleaks.toml` as
//! released, `LICENSE`, and `rules.json`, generated from the TOML by `gitleaks/generate.py`
//! (the fields used here; rules that apply only to file paths dropped).
//!
//! Three adjustments, made here when the rules load, not in the data:
//! - gitleaks ends most rules with `(?:[\x60'"\s;]|\\[nr]|$)` (a secret ends at a quote,
//!   space, `;`, an escaped newline or the end), written for source files. In prose a key is
//!   often followed by `.`, `,`, `:`, `!`, `?`, `&` (a query string), `#` (a URL fragment) or
//!   a closing bracket, so those end it too.
//! - The rules of gitleaks' `key = value` form (the assignment operators
//!   `(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)` before the secret group, `generic-api-key` and the
//!   vendor `…-secret`/`…-key` rules) are marked as assigned: their mask runs on to the end of
//!   the value's token ([`value_end`](crate::secrets::rule::value_end)), so a value the regex
//!   ended early, at `&` or `;`, leaves no tail in clear.
//! - Rule allowlists are applied, except those of `aws-access-token` (keys ending in
//!   `EXAMPLE`) and `gcp-api-key` (keys published in documentation): masking a documented
//!   example costs nothing in telemetry, and a real key in that form must not leak.

use serde::Deserialize;

use crate::secrets::rule::{AllowlistSource, Rule, Target};

const RULES_JSON: &str = include_str!("gitleaks/rules.json");

/// The ruleset version, as `gitleaks vX.Y.Z`.
pub(crate) const VERSION: &str = "gitleaks v8.30.1";

const TERMINATOR: &str = r#"(?:[\x60'"\s;]|\\[nr]|$)"#;
const PROSE_TERMINATOR: &str = r#"(?:[\x60'"\s;.,:!?&#)\]}>]|\\[nr]|$)"#;
/// The assignment operators of gitleaks' `key = value` rules.
const ASSIGNMENT: &str = r"(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)";
const KEEP_EXAMPLES: &[&str] = &["aws-access-token", "gcp-api-key"];

#[derive(Deserialize)]
struct Data {
    allowlist: GlobalAllowlist,
    rules: Vec<RuleData>,
}

/// The global allowlist: a secret matching one of `regexes`, or containing one of the
/// `stopwords`, is a placeholder, not a secret (`${VAR}`, `true`, `xxxx`, `/usr/...`).
#[derive(Deserialize)]
pub(crate) struct GlobalAllowlist {
    pub(crate) regexes: Vec<String>,
    pub(crate) stopwords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleData {
    id: String,
    regex: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    secret_group: usize,
    entropy: Option<f64>,
    #[serde(default)]
    allowlists: Vec<AllowlistData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AllowlistData {
    condition: Option<String>,
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// The gitleaks rules and global allowlist. The data is part of the crate, so a parse error
/// is a build defect (a unit test parses it); it yields no rules rather than a panic.
pub(crate) fn load() -> (Vec<Rule>, GlobalAllowlist) {
    let data: Data = match serde_json::from_str(RULES_JSON) {
        Ok(d) => d,
        Err(_) => {
            return (
                Vec::new(),
                GlobalAllowlist {
                    regexes: Vec::new(),
                    stopwords: Vec::new(),
                },
            );
        }
    };
    let rules = data.rules.into_iter().map(rule).collect();
    (rules, data.allowlist)
}

fn rule(d: RuleData) -> Rule {
    let keep_examples = KEEP_EXAMPLES.contains(&d.id.as_str());
    let mut r = Rule::new(d.id, d.regex.replace(TERMINATOR, PROSE_TERMINATOR));
    r.generic = r.id.starts_with("generic");
    r.assigned = d.regex.contains(ASSIGNMENT);
    r.secret_group = d.secret_group;
    r.entropy = d.entropy;
    r.keywords = d.keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
    if !keep_examples {
        r.allowlists = d
            .allowlists
            .into_iter()
            .map(|a| AllowlistSource {
                all: a.condition.as_deref() == Some("AND"),
                target: match a.regex_target.as_deref() {
                    Some("match") => Target::Match,
                    Some("line") => Target::Line,
                    _ => Target::Secret,
                },
                regexes: a.regexes,
                stopwords: a.stopwords,
                has_paths: !a.paths.is_empty(),
            })
            .collect();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_rules_parse_and_name_their_version() {
        let data: Data = serde_json::from_str(RULES_JSON).expect("rules.json parses");
        assert!(data.rules.len() > 200, "{}", data.rules.len());
        assert!(RULES_JSON.contains("gitleaks v8.30.1"));
        assert!(include_str!("gitleaks/gitleaks.toml").contains("[[rules]]"));
        assert!(include_str!("gitleaks/LICENSE").starts_with("MIT License"));
        assert!(!data.allowlist.regexes.is_empty());
        let assigned = data.rules.iter().filter(|r| r.regex.contains(ASSIGNMENT));
        assert!(assigned.clone().any(|r| r.id == "generic-api-key"));
        assert!(assigned.count() >= 90);
    }
}
