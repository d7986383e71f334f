//! Token usage of one operation, and totals over an agent run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use telemetry_core::Attribute;

use crate::attributes as a;

/// Tokens one operation used, as the provider reported them. `None` = not reported (the
/// attribute is then omitted, never recorded as 0).
///
/// Cache-read and cache-creation tokens are part of `input_tokens`; reasoning tokens are part
/// of `output_tokens` (semantic conventions v1.41, *gen_ai.usage.\**).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Input (prompt) tokens, including cached ones.
    pub input_tokens: Option<u64>,
    /// Output (completion) tokens, including reasoning ones.
    pub output_tokens: Option<u64>,
    /// Input tokens read from the provider's cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the provider's cache (`cache_creation` in v1.41,
    /// `cache_write` in *latest*).
    pub cache_creation_input_tokens: Option<u64>,
    /// Output tokens spent on reasoning.
    pub reasoning_output_tokens: Option<u64>,
}

impl Usage {
    /// Input and output tokens.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens: Some(input_tokens),
            output_tokens: Some(output_tokens),
            ..Self::default()
        }
    }
    /// Sets cache-read input tokens.
    pub fn with_cache_read(mut self, tokens: u64) -> Self {
        self.cache_read_input_tokens = Some(tokens);
        self
    }
    /// Sets cache-creation (cache-write) input tokens.
    pub fn with_cache_creation(mut self, tokens: u64) -> Self {
        self.cache_creation_input_tokens = Some(tokens);
        self
    }
    /// Sets reasoning output tokens.
    pub fn with_reasoning(mut self, tokens: u64) -> Self {
        self.reasoning_output_tokens = Some(tokens);
        self
    }
    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Field-wise: values from `later` replace those here when present. Streaming providers
    /// send usage in pieces (input at the start, output at the end).
    pub fn merge(&mut self, later: Usage) {
        let m = |x: &mut Option<u64>, y: Option<u64>| {
            if y.is_some() {
                *x = y;
            }
        };
        m(&mut self.input_tokens, later.input_tokens);
        m(&mut self.output_tokens, later.output_tokens);
        m(
            &mut self.cache_read_input_tokens,
            later.cache_read_input_tokens,
        );
        m(
            &mut self.cache_creation_input_tokens,
            later.cache_creation_input_tokens,
        );
        m(
            &mut self.reasoning_output_tokens,
            later.reasoning_output_tokens,
        );
    }

    /// The span attributes, with the cache-write name of the chosen conventions version.
    pub(crate) fn attributes(&self, latest: bool, include_cache: bool) -> Vec<Attribute> {
        let mut out = Vec::with_capacity(5);
        let mut push = |k: &'static str, v: Option<u64>| {
            if let Some(v) = v {
                out.push(Attribute::new(k, v));
            }
        };
        push(a::GEN_AI_USAGE_INPUT_TOKENS, self.input_tokens);
        push(a::GEN_AI_USAGE_OUTPUT_TOKENS, self.output_tokens);
        if include_cache {
            push(
                a::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                self.cache_read_input_tokens,
            );
            push(
                if latest {
                    a::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS
                } else {
                    a::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
                },
                self.cache_creation_input_tokens,
            );
        }
        push(
            a::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
            self.reasoning_output_tokens,
        );
        out
    }
}

/// Lock-free running totals over an agent run: each field is `u64::MAX` until the first
/// report, so "never reported" stays distinguishable from 0.
#[derive(Debug)]
pub(crate) struct UsageTotals {
    fields: [AtomicU64; 5],
}

const UNSET: u64 = u64::MAX;

impl Default for UsageTotals {
    fn default() -> Self {
        Self {
            fields: std::array::from_fn(|_| AtomicU64::new(UNSET)),
        }
    }
}

impl UsageTotals {
    pub(crate) fn add(&self, u: &Usage) {
        let vals = [
            u.input_tokens,
            u.output_tokens,
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens,
            u.reasoning_output_tokens,
        ];
        for (f, v) in self.fields.iter().zip(vals) {
            if let Some(v) = v {
                let _ = f.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                    Some(if cur == UNSET {
                        v.min(UNSET - 1)
                    } else {
                        cur.saturating_add(v).min(UNSET - 1)
                    })
                });
            }
        }
    }

    pub(crate) fn snapshot(&self) -> Usage {
        let g = |i: usize| {
            let v = self.fields[i].load(Ordering::Acquire);
            (v != UNSET).then_some(v)
        };
        Usage {
            input_tokens: g(0),
            output_tokens: g(1),
            cache_read_input_tokens: g(2),
            cache_creation_input_tokens: g(3),
            reasoning_output_tokens: g(4),
        }
    }
}

/// A lock-free running sum of costs in USD: the `f64` bits in an atomic, `UNSET` until the
/// first cost (no sum of finite non-negative costs has those bits), plus whether an
/// operation's cost was unknown.
#[derive(Debug)]
pub(crate) struct CostTotal {
    usd: AtomicU64,
    incomplete: AtomicBool,
}

impl Default for CostTotal {
    fn default() -> Self {
        Self {
            usd: AtomicU64::new(UNSET),
            incomplete: AtomicBool::new(false),
        }
    }
}

impl CostTotal {
    pub(crate) fn add(&self, usd: Option<f64>) {
        let Some(usd) = usd.filter(|u| u.is_finite() && *u >= 0.0) else {
            self.incomplete.store(true, Ordering::Relaxed);
            return;
        };
        let _ = self
            .usd
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                let sum = if cur == UNSET {
                    usd
                } else {
                    f64::from_bits(cur) + usd
                };
                Some(sum.to_bits())
            });
    }

    pub(crate) fn snapshot(&self) -> (Option<f64>, bool) {
        let v = self.usd.load(Ordering::Acquire);
        (
            (v != UNSET).then(|| f64::from_bits(v)),
            self.incomplete.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_distinguish_unreported_from_zero() {
        let t = UsageTotals::default();
        assert!(t.snapshot().is_empty());
        t.add(&Usage::new(10, 0));
        t.add(&Usage::new(5, 7).with_cache_read(3));
        assert_eq!(t.snapshot(), Usage::new(15, 7).with_cache_read(3));
    }

    #[test]
    fn attributes_follow_the_version() {
        let u = Usage::new(1, 2).with_cache_creation(3).with_reasoning(1);
        let keys = |v: Vec<Attribute>| {
            v.into_iter()
                .map(|a| a.key.into_owned())
                .collect::<Vec<_>>()
        };
        assert!(
            keys(u.attributes(false, true))
                .contains(&a::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS.to_owned())
        );
        assert!(
            keys(u.attributes(true, true))
                .contains(&a::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS.to_owned())
        );
        assert!(
            !keys(u.attributes(true, false))
                .iter()
                .any(|k| k.contains("cache"))
        );
    }
}
