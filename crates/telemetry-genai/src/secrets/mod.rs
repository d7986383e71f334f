//! Secret detection for the [`DefaultRedactor`](crate::DefaultRedactor): the gitleaks default
//! ruleset ([`gitleaks`]) plus this crate's own rules ([`extra`]), and a scan for
//! high-entropy tokens next to secret-like words.
//!
//! The prefilter is gitleaks' own: each rule lists keywords, one Aho-Corasick automaton
//! finds them all in one pass (ASCII case-insensitive), and only rules whose keywords occur
//! run their regex; each regex compiles on its first use. Text without any keyword (most
//! prose) costs one automaton pass.

mod extra;
mod gitleaks;
mod rule;

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;

use rule::{Rule, compile, shannon_entropy, value_end};

use extra::NEAR_WINDOW;
pub(crate) use gitleaks::VERSION;

/// A secret in a text: bytes `start..end` (on char boundaries), found by rule `rule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) rule: &'static str,
}

/// A keyword of the prefilter: the rules it enables, and whether it starts a high-entropy
/// scan.
#[derive(Default)]
struct Keyword {
    rules: Vec<usize>,
    near: bool,
}

/// The compiled ruleset (built once per process, see [`scanner`]).
pub(crate) struct Scanner {
    rules: Vec<Rule>,
    automaton: Option<AhoCorasick>,
    keywords: Vec<Keyword>,
    /// Rules without keywords run on every text.
    always: Vec<usize>,
    allow_regexes: Vec<Regex>,
    allow_stopwords: Vec<String>,
}

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

/// The process-wide scanner.
pub(crate) fn scanner() -> &'static Scanner {
    &SCANNER
}

impl Scanner {
    fn new() -> Self {
        let (mut rules, allow) = gitleaks::load();
        // Own format rules before gitleaks' generic one, so their ids win on a shared span.
        rules.extend(extra::rules());
        let mut words: Vec<String> = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        let slot = |w: &str, words: &mut Vec<String>, keywords: &mut Vec<Keyword>| -> usize {
            let w = w.to_ascii_lowercase();
            match words.iter().position(|x| *x == w) {
                Some(i) => i,
                None => {
                    words.push(w);
                    keywords.push(Keyword::default());
                    words.len() - 1
                }
            }
        };
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.keywords.is_empty() {
                always.push(i);
            }
            for k in &r.keywords {
                let s = slot(k, &mut words, &mut keywords);
                keywords[s].rules.push(i);
            }
        }
        for k in extra::NEAR_KEYWORDS {
            let s = slot(k, &mut words, &mut keywords);
            keywords[s].near = true;
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .ok();
        Self {
            rules,
            automaton,
            keywords,
            always,
            allow_regexes: allow
                .regexes
                .iter()
                .filter_map(|r| compile(r).ok())
                .collect(),
            allow_stopwords: allow
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        }
    }

    /// The secrets in `text`, sorted, merged where they overlap (the span keeps the id of the
    /// format rule over a generic one, else of the earliest and longest), on char boundaries.
    pub(crate) fn find(&'static self, text: &str) -> Vec<Finding> {
        let b = text.as_bytes();
        let mut run = vec![false; self.rules.len()];
        for i in &self.always {
            run[*i] = true;
        }
        let mut found: Vec<(Finding, bool)> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(b) {
                let k = &self.keywords[m.pattern().as_usize()];
                for r in &k.rules {
                    run[*r] = true;
                }
                if k.near {
                    self.near_keyword(b, m.end(), &mut found);
                }
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if run[i] {
                self.run_rule(r, b, &mut found);
            }
        }
        merge(text, found)
    }

    fn allowed_globally(&self, secret: &[u8]) -> bool {
        if self.allow_regexes.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        let lower = secret.to_ascii_lowercase();
        self.allow_stopwords
            .iter()
            .any(|w| lower.windows(w.len()).any(|x| x == w.as_bytes()))
    }

    fn run_rule(&self, rule: &'static Rule, b: &[u8], found: &mut Vec<(Finding, bool)>) {
        let Some(c) = rule.compiled() else { return };
        for caps in c.regex.captures_iter(b) {
            let Some(whole) = caps.get(0) else { continue };
            let (group, secret) = if rule.secret_group > 0 {
                match caps.get(rule.secret_group) {
                    Some(g) => (rule.secret_group, g),
                    None => continue,
                }
            } else {
                caps.iter()
                    .enumerate()
                    .skip(1)
                    .find_map(|(i, g)| g.filter(|g| !g.is_empty()).map(|g| (i, g)))
                    .unwrap_or((0, whole))
            };
            let s = secret.as_bytes();
            if s.is_empty()
                || rule.entropy.is_some_and(|t| shannon_entropy(s) <= t)
                || !(rule.check)(s, group)
                || self.allowed_globally(s)
            {
                continue;
            }
            if !c.allowlists.is_empty() {
                let line_start = b[..whole.start()]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |p| p + 1);
                let line_end = b[whole.end()..]
                    .iter()
                    .position(|c| *c == b'\n')
                    .map_or(b.len(), |p| whole.end() + p);
                let line = &b[line_start..line_end];
                if c.allowlists
                    .iter()
                    .any(|a| a.allows(s, whole.as_bytes(), line))
                {
                    continue;
                }
            }
            // The checks above judge what the regex matched; the mask of an assigned value
            // runs on to the end of its token, so no tail of it is left in clear.
            let end = if rule.assigned {
                value_end(b, secret.end())
            } else {
                secret.end()
            };
            let f = Finding {
                start: secret.start(),
                end,
                rule: &rule.id,
            };
            found.push((f, rule.generic));
        }
    }

    /// Masks a high-entropy token among the first few after a secret-like word ending at
    /// `from` (see [`extra::high_entropy`]).
    fn near_keyword(&self, b: &[u8], from: usize, found: &mut Vec<(Finding, bool)>) {
        let mut i = from;
        // The rest of the word holding the keyword (`secrets`, `secret_key`).
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
            i += 1;
        }
        for _ in 0..4 {
            while i < b.len() && !extra::is_token_byte(b[i]) {
                i += 1;
            }
            if i >= b.len() || i > from + NEAR_WINDOW {
                return;
            }
            let start = i;
            while i < b.len() && extra::is_token_byte(b[i]) {
                i += 1;
            }
            while i < b.len() && b[i] == b'=' {
                i += 1;
            }
            let (mut s, mut e) = (start, i);
            while s < e && matches!(b[s], b'.' | b'_' | b'~' | b'-') {
                s += 1;
            }
            while e > s && b[e - 1] == b'.' {
                e -= 1;
            }
            let token = &b[s..e];
            if extra::high_entropy(token) && !self.allowed_globally(token) {
                let f = Finding {
                    start: s,
                    end: e,
                    rule: extra::NEAR_KEYWORD_ID,
                };
                found.push((f, true));
            }
        }
    }
}

fn merge(text: &str, mut found: Vec<(Finding, bool)>) -> Vec<Finding> {
    found.sort_by(|(a, ag), (b, bg)| {
        (a.start, *ag, std::cmp::Reverse(a.end)).cmp(&(b.start, *bg, std::cmp::Reverse(b.end)))
    });
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    for (mut f, _) in found {
        while !text.is_char_boundary(f.start) {
            f.start -= 1;
        }
        while !text.is_char_boundary(f.end) {
            f.end += 1;
        }
        match out.last_mut() {
            Some(last) if f.start < last.end => last.end = last.end.max(f.end),
            _ => out.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests;
