//! One held trace: its ended spans, what the rules need to know about them, and the verdict;
//! and the rate limit's token bucket.

use std::time::{Duration, Instant, SystemTime};

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::config::tail::TailSettings;
use crate::export::tail::counts::{Dropped, Kept};
use crate::sampling::probability::{self, OT, Threshold};

/// The settings in the form the decision reads them.
#[derive(Debug)]
pub(crate) struct Rules {
    pub(crate) threshold: Option<Threshold>,
    pub(crate) latency: Option<Duration>,
    pub(crate) tokens: Option<u64>,
    pub(crate) cost: Option<f64>,
    pub(crate) keep: Vec<(String, String)>,
}

impl Rules {
    pub(crate) fn new(s: &TailSettings) -> Self {
        Self {
            threshold: Threshold::from_probability(s.probability),
            latency: s.latency,
            tokens: s.tokens,
            cost: s.cost,
            keep: s.keep.clone(),
        }
    }
}

/// A trace waiting for its decision.
#[derive(Debug)]
pub(crate) struct Held {
    pub(crate) spans: Vec<SpanData>,
    /// Spans started and not yet ended.
    pub(crate) open: u32,
    /// Whether a local root (no parent, or a remote one) has ended.
    pub(crate) root_ended: bool,
    pub(crate) since: Instant,
    pub(crate) bytes: usize,
    pub(crate) remote_sampled: bool,
    error: bool,
    attribute: bool,
    tokens: u64,
    cost: f64,
    first_start: Option<SystemTime>,
    last_end: Option<SystemTime>,
    /// The `ot` entry of the trace's `tracestate`, for an explicit randomness value.
    ot: Option<String>,
}

impl Held {
    pub(crate) fn new(since: Instant) -> Self {
        Self {
            spans: Vec::new(),
            open: 0,
            root_ended: false,
            since,
            bytes: 0,
            remote_sampled: false,
            error: false,
            attribute: false,
            tokens: 0,
            cost: 0.0,
            first_start: None,
            last_end: None,
            ot: None,
        }
    }

    /// Adds an ended span, noting what the rules look at; returns its estimated size.
    pub(crate) fn push(&mut self, span: SpanData, rules: &Rules) -> usize {
        if matches!(span.status, Status::Error { .. }) {
            self.error = true;
        }
        for kv in &span.attributes {
            self.observe(kv, rules);
        }
        self.first_start = Some(
            self.first_start
                .map_or(span.start_time, |t| t.min(span.start_time)),
        );
        self.last_end = Some(
            self.last_end
                .map_or(span.end_time, |t| t.max(span.end_time)),
        );
        if self.ot.is_none() {
            self.ot = span.span_context.trace_state().get(OT).map(str::to_owned);
        }
        let bytes = estimate(&span);
        self.bytes += bytes;
        self.spans.push(span);
        bytes
    }

    /// Whether the trace is certain to be kept already (a rule matched on an ended span, or
    /// the caller sampled it), so an outgoing call can say "sampled".
    pub(crate) fn certain(&self) -> bool {
        self.remote_sampled || self.error || self.attribute
    }

    fn observe(&mut self, kv: &KeyValue, rules: &Rules) {
        match kv.key.as_str() {
            "error.type" => self.error = true,
            "gen_ai.usage.input_tokens" | "gen_ai.usage.output_tokens" => {
                if let Value::I64(n) = kv.value {
                    self.tokens = self.tokens.saturating_add(u64::try_from(n).unwrap_or(0));
                }
            }
            "gen_ai.usage.cost" => match kv.value {
                Value::F64(c) if c.is_finite() => self.cost += c,
                Value::I64(c) => self.cost += c as f64,
                _ => {}
            },
            _ => {}
        }
        if !self.attribute {
            // The value's text only for a rule's key: `as_str` formats (allocates) any value
            // that is not a string.
            let key = kv.key.as_str();
            self.attribute = rules
                .keep
                .iter()
                .any(|(k, v)| k == key && *v == kv.value.as_str());
        }
    }

    /// The rule decision, before the rate limit.
    pub(crate) fn verdict(&self, trace_id: u128, rules: &Rules) -> Result<Kept, Dropped> {
        let over = |limit: Option<u64>, value: u64| limit.is_some_and(|l| value >= l);
        if self.remote_sampled {
            Ok(Kept::RemoteSampled)
        } else if self.error {
            Ok(Kept::Error)
        } else if rules.latency.is_some_and(|l| self.duration() > l) {
            Ok(Kept::Latency)
        } else if over(rules.tokens, self.tokens) {
            Ok(Kept::Tokens)
        } else if rules.cost.is_some_and(|c| self.cost >= c) {
            Ok(Kept::Cost)
        } else if self.attribute {
            Ok(Kept::Attribute)
        } else if probability::decide(rules.threshold, trace_id, self.ot.as_deref()).is_some() {
            Ok(Kept::Probability)
        } else {
            Err(Dropped::Probability)
        }
    }

    /// First start to last end of the ended spans.
    fn duration(&self) -> Duration {
        match (self.first_start, self.last_end) {
            (Some(a), Some(b)) => b.duration_since(a).unwrap_or_default(),
            _ => Duration::ZERO,
        }
    }
}

/// A rough size of an ended span in memory: the struct, its strings and its lists. Counted,
/// not formatted: it runs for every span that ends, under the processor's lock.
fn estimate(span: &SpanData) -> usize {
    fn kv(kv: &KeyValue) -> usize {
        let value = match &kv.value {
            Value::String(s) => s.as_str().len(),
            Value::Array(Array::Bool(v)) => v.len(),
            Value::Array(Array::I64(v)) => 8 * v.len(),
            Value::Array(Array::F64(v)) => 8 * v.len(),
            Value::Array(Array::String(v)) => v.iter().map(|s| s.as_str().len()).sum(),
            _ => 8,
        };
        std::mem::size_of::<KeyValue>() + kv.key.as_str().len() + value
    }
    let attributes: usize = span.attributes.iter().map(kv).sum();
    let events: usize = span
        .events
        .iter()
        .map(|e| 64 + e.name.len() + e.attributes.iter().map(kv).sum::<usize>())
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|l| 64 + l.attributes.iter().map(kv).sum::<usize>())
        .sum();
    std::mem::size_of::<SpanData>() + span.name.len() + attributes + events + links
}

/// The rate limit on kept traces: a token bucket refilled at `rate` per second, holding two
/// seconds' worth (at least 2). A trace without an error may only take a token while more
/// than half the bucket is left, so a burst of errors always finds the other half.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn new(rate: f64, now: Instant) -> Self {
        let capacity = 2.0 * rate.max(1.0);
        Self {
            rate,
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes a token for a kept trace, if the limit allows it.
    pub(crate) fn take(&mut self, now: Instant, error: bool) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        let floor = if error { 0.0 } else { self.capacity / 2.0 };
        if self.tokens - 1.0 >= floor - 1e-9 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_keeps_half_for_errors_and_refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(5.0, t0);
        // Capacity 10: healthy traces get 5, errors the other 5.
        let healthy = (0..20).filter(|_| b.take(t0, false)).count();
        assert_eq!(healthy, 5);
        let errors = (0..20).filter(|_| b.take(t0, true)).count();
        assert_eq!(errors, 5);
        assert!(!b.take(t0, true));
        // One second later: 5 more tokens, which a healthy trace cannot touch (below half).
        let t1 = t0 + Duration::from_secs(1);
        assert!(!b.take(t1, false));
        assert_eq!((0..20).filter(|_| b.take(t1, true)).count(), 5);
        // Steady state at 5 per second for healthy traces alone.
        let mut b = Bucket::new(5.0, t0);
        let kept: usize = (0..100)
            .map(|i| {
                let now = t0 + Duration::from_millis(100 * i);
                usize::from(b.take(now, false))
            })
            .sum();
        // 5 of the burst, then 5 per second for 9.9 s.
        assert!((53..=55).contains(&kept), "{kept}");
    }
}
