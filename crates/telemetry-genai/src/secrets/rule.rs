//! One detection rule: a regular expression with the group holding the secret, an optional
//! entropy floor, keywords for the prefilter, allowlists, and a shape check. Compiled on first
//! use, so a text that never contains a rule's keywords never pays for its regex.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

/// Compiles a rule's regex with RE2's (Go's) semantics: `\w`, `\d`, `\s`, `\b` and `(?i)` are
/// ASCII-only, and `.` matches any byte, so it runs on the UTF-8 bytes of the text.
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&from_re2(pattern))
        .unicode(false)
        .size_limit(32 << 20)
        .build()
}

/// Rewrites the RE2 syntax Rust's `regex` reads differently: a `{` that starts no
/// repetition is a literal in RE2 (an error in Rust), and inside a class `[`, `&&`, `--` and
/// `~~` are literals in RE2 (nested classes and set operations in Rust).
pub(crate) fn from_re2(pattern: &str) -> String {
    let b = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            // Copies the escape and the (possibly multi-byte) character it escapes.
            let next = pattern[i + 1..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&pattern[i..i + 1 + next]);
            i += 1 + next;
            continue;
        }
        if in_class {
            match c {
                b']' => in_class = false,
                b'[' if b.get(i + 1) == Some(&b':') => {
                    // A POSIX class `[:alpha:]`: copied whole.
                    let end = pattern[i..].find(":]").map_or(b.len(), |p| i + p + 2);
                    out.push_str(&pattern[i..end]);
                    i = end;
                    continue;
                }
                b'[' | b'&' | b'~' => out.push('\\'),
                b'-' if b.get(i + 1) == Some(&b'-') => out.push('\\'),
                _ => {}
            }
        } else if c == b'[' {
            in_class = true;
            out.push('[');
            i += 1;
            // `]` right after `[` or `[^` is a literal.
            if b.get(i) == Some(&b'^') {
                out.push('^');
                i += 1;
            }
            if b.get(i) == Some(&b']') {
                out.push_str("\\]");
                i += 1;
            }
            continue;
        } else if c == b'{' && !is_repetition(&b[i + 1..]) {
            out.push('\\');
        }
        let len = pattern[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&pattern[i..i + len]);
        i += len;
    }
    out
}

/// Whether `rest` (after a `{`) is `n}`, `n,}` or `n,m}`.
fn is_repetition(rest: &[u8]) -> bool {
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    match rest.get(digits) {
        Some(b'}') => true,
        Some(b',') => {
            let more = rest[digits + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            rest.get(digits + 1 + more) == Some(&b'}')
        }
        _ => false,
    }
}

/// Shannon entropy of `s` in bits per byte (gitleaks' `shannonEntropy` counts runes; secrets
/// are ASCII, where the two agree).
pub(crate) fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s {
        counts[*b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Where an assigned value that the regex ended at `from` really ends: at the next white
/// space, quote (`"`, `'`, `` ` ``), escaped quote or escaped white space (`\"`, `\n`, `\r`,
/// `\t`: JSON or source text inside a string), or the end of the text; never inside the token
/// at `&`, `;`, `#`, `,` or a bracket, which a password may hold. A URL's next query parameter
/// is masked with it: over-masking is safe, a secret's tail left in clear is not. `\\` (an
/// escaped backslash) belongs to the value. Returns `from` when a quote follows (a quoted
/// value's regex already ends at its closing quote).
pub(crate) fn value_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => break,
            b'\\' => match b.get(i + 1) {
                Some(b'"' | b'\'' | b'`' | b'n' | b'r' | b't') => break,
                Some(_) => i += 2,
                None => i += 1,
            },
            c if c.is_ascii_whitespace() => break,
            _ => i += 1,
        }
    }
    i.min(b.len())
}

/// What an allowlist regex is tested against (gitleaks `regexTarget`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Target {
    #[default]
    Secret,
    Match,
    Line,
}

/// A gitleaks allowlist: a finding it matches is not a secret.
#[derive(Debug)]
pub(crate) struct Allowlist {
    pub(crate) all: bool,
    pub(crate) target: Target,
    pub(crate) regexes: Vec<Regex>,
    pub(crate) stopwords: Vec<String>,
    /// Path criteria never match telemetry text; they matter only under `all`.
    pub(crate) has_paths: bool,
}

impl Allowlist {
    /// Whether the finding is allowed: any criterion matches (`OR`, the default), or every
    /// given criterion matches (`AND`).
    pub(crate) fn allows(&self, secret: &[u8], whole: &[u8], line: &[u8]) -> bool {
        let target = match self.target {
            Target::Secret => secret,
            Target::Match => whole,
            Target::Line => line,
        };
        let regex =
            (!self.regexes.is_empty()).then(|| self.regexes.iter().any(|r| r.is_match(target)));
        let stop = (!self.stopwords.is_empty()).then(|| {
            let lower = secret.to_ascii_lowercase();
            self.stopwords
                .iter()
                .any(|w| memchr_contains(&lower, w.as_bytes()))
        });
        let path = self.has_paths.then_some(false);
        let mut given = [regex, stop, path].into_iter().flatten();
        if self.all {
            let mut any = false;
            for g in given {
                if !g {
                    return false;
                }
                any = true;
            }
            any
        } else {
            given.any(|g| g)
        }
    }
}

fn memchr_contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// What a rule's regex and allowlists compile to.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) regex: Regex,
    pub(crate) allowlists: Vec<Allowlist>,
}

/// An allowlist before compilation (from the rules data).
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowlistSource {
    pub(crate) all: bool,
    pub(crate) target: Target,
    pub(crate) regexes: Vec<String>,
    pub(crate) stopwords: Vec<String>,
    pub(crate) has_paths: bool,
}

/// One rule.
#[derive(Debug)]
pub(crate) struct Rule {
    /// The id shown in the mask, e.g. `github-pat`.
    pub(crate) id: String,
    pub(crate) pattern: String,
    /// The capture group holding the secret; 0: the first non-empty group, else the match.
    pub(crate) secret_group: usize,
    /// The secret must have more than this many bits of entropy per byte.
    pub(crate) entropy: Option<f64>,
    /// Lower-case keywords; the rule runs only on text containing one (none: always runs).
    pub(crate) keywords: Vec<String>,
    pub(crate) allowlists: Vec<AllowlistSource>,
    /// Generic (context or entropy) rules yield to format rules when both match one span.
    pub(crate) generic: bool,
    /// The secret is the value assigned to a key (`name=value`, `name: value`, a header): it
    /// is masked to the end of its token ([`value_end`]), wherever the regex stopped.
    pub(crate) assigned: bool,
    /// An extra test on the secret and the number of the group holding it (own rules: e.g.
    /// "has a digit").
    pub(crate) check: fn(&[u8], usize) -> bool,
    compiled: OnceLock<Option<Compiled>>,
}

impl Rule {
    pub(crate) fn new(id: impl Into<String>, pattern: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            pattern: pattern.into(),
            secret_group: 0,
            entropy: None,
            keywords: Vec::new(),
            allowlists: Vec::new(),
            generic: false,
            assigned: false,
            check: |_, _| true,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled rule, compiling it on first use; `None` (for good) when its regex or an
    /// allowlist regex does not compile.
    pub(crate) fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| self.try_compile().ok())
            .as_ref()
    }

    /// Compiles the rule, or the first compilation error.
    pub(crate) fn try_compile(&self) -> Result<Compiled, regex::Error> {
        let regex = compile(&self.pattern)?;
        let mut allowlists = Vec::with_capacity(self.allowlists.len());
        for a in &self.allowlists {
            allowlists.push(Allowlist {
                all: a.all,
                target: a.target,
                regexes: a
                    .regexes
                    .iter()
                    .map(|r| compile(r))
                    .collect::<Result<_, _>>()?,
                stopwords: a.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
                has_paths: a.has_paths,
            });
        }
        Ok(Compiled { regex, allowlists })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_literals_become_rust_escapes() {
        assert_eq!(from_re2(r"a{2}b{1,}c{1,3}"), r"a{2}b{1,}c{1,3}");
        assert_eq!(from_re2(r"\$?{{[^}]+}}"), r"\$?\{\{[^}]+}}");
        assert_eq!(
            from_re2(r"[^]]+[a&&b][x--y][[]"),
            r"[^\]]+[a\&\&b][x\--y][\[]"
        );
        assert_eq!(from_re2(r"[[:alpha:]]\{"), r"[[:alpha:]]\{");
        assert!(compile(r"import[ \t]+{[ \t\w,]+}").is_ok());
    }

    #[test]
    fn entropy_matches_the_textbook_values() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon_entropy(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }

    #[test]
    fn an_assigned_value_ends_only_at_white_space_a_quote_or_the_end() {
        fn end(t: &str, from: usize) -> &str {
            &t[..value_end(t.as_bytes(), from)]
        }
        assert_eq!(end("pw=Tr0ub4dor&3horse", 12), "pw=Tr0ub4dor&3horse");
        assert_eq!(end("s=ab;cd#ef, (x) ok", 4), "s=ab;cd#ef,");
        assert_eq!(end(r"t=abc&next=1#top\nnext", 5), "t=abc&next=1#top");
        assert_eq!(end(r#"{\"t\": \"p=a&b\"}"#, 12), r#"{\"t\": \"p=a&b"#);
        assert_eq!(end(r"p=a\\b&c'd", 3), r"p=a\\b&c");
        assert_eq!(end("p=\"quoted\"", 9), "p=\"quoted");
        assert_eq!(end("p=a\\", 3), "p=a\\");
        assert_eq!(end("p=ä&ö\tx", 2), "p=ä&ö");
    }

    #[test]
    fn allowlists_combine_criteria_with_or_and_and() {
        let or = Allowlist {
            all: false,
            target: Target::Secret,
            regexes: vec![compile("^x+$").unwrap()],
            stopwords: vec!["demo".into()],
            has_paths: false,
        };
        assert!(or.allows(b"xxx", b"", b""));
        assert!(or.allows(b"myDEMOkey", b"", b""));
        assert!(!or.allows(b"real", b"", b""));
        let and = Allowlist { all: true, ..or };
        assert!(!and.allows(b"xxx", b"", b""));
    }
}
