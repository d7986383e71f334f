//! What the tail sampler decided: the public [`TailSamplingCounts`], and the atomics the
//! processor feeds.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Why a trace was kept, first match wins, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kept {
    /// Its remote caller sampled it (never dropped here).
    RemoteSampled = 0,
    /// A span had status ERROR or an `error.type` attribute.
    Error = 1,
    /// Its spans covered more than the latency threshold.
    Latency = 2,
    /// Its GenAI token usage reached the threshold.
    Tokens = 3,
    /// Its `gen_ai.usage.cost` reached the threshold.
    Cost = 4,
    /// A span matched an attribute rule.
    Attribute = 5,
    /// Its randomness met the probability threshold.
    Probability = 6,
}

impl Kept {
    pub(crate) const ALL: [Kept; 7] = [
        Kept::RemoteSampled,
        Kept::Error,
        Kept::Latency,
        Kept::Tokens,
        Kept::Cost,
        Kept::Attribute,
        Kept::Probability,
    ];

    /// The `agent_telemetry.sampling.reason` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kept::RemoteSampled => "remote_sampled",
            Kept::Error => "error",
            Kept::Latency => "latency",
            Kept::Tokens => "tokens",
            Kept::Cost => "cost",
            Kept::Attribute => "attribute",
            Kept::Probability => "probability",
        }
    }
}

/// Why a trace was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dropped {
    /// No rule kept it and its randomness was below the threshold.
    Probability = 0,
    /// A rule or the probability kept it, but the rate limit was reached.
    RateLimited = 1,
}

impl Dropped {
    pub(crate) const ALL: [Dropped; 2] = [Dropped::Probability, Dropped::RateLimited];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Dropped::Probability => "probability",
            Dropped::RateLimited => "rate_limited",
        }
    }
}

/// Why a trace was decided before all its spans ended (on what had arrived).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Early {
    /// Held longer than the decision timeout.
    Timeout = 0,
    /// The oldest trace, when one more trace than the limit started.
    MaxTraces = 1,
    /// The oldest trace, while held spans were over the byte limit.
    MaxBytes = 2,
    /// Still open at shutdown.
    Shutdown = 3,
}

impl Early {
    pub(crate) const ALL: [Early; 4] = [
        Early::Timeout,
        Early::MaxTraces,
        Early::MaxBytes,
        Early::Shutdown,
    ];

    /// The value of [`TAIL_DECIDED_EARLY_ATTRIBUTE`](crate::TAIL_DECIDED_EARLY_ATTRIBUTE) and
    /// of the metric's `agent_telemetry.sampling.reason`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Early::Timeout => "timeout",
            Early::MaxTraces => "max_traces",
            Early::MaxBytes => "max_bytes",
            Early::Shutdown => "shutdown",
        }
    }
}

/// The tail sampler's counts since start, from
/// [`OpenTelemetry::tail_sampling`](crate::OpenTelemetry::tail_sampling). Traces count once,
/// when decided; `held_*` are what is waiting for a decision now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TailSamplingCounts {
    /// Kept because the remote caller sampled them.
    pub kept_remote_sampled: u64,
    /// Kept for an error (status ERROR or `error.type`).
    pub kept_error: u64,
    /// Kept for their latency.
    pub kept_latency: u64,
    /// Kept for their token usage.
    pub kept_tokens: u64,
    /// Kept for their cost.
    pub kept_cost: u64,
    /// Kept by an attribute rule.
    pub kept_attribute: u64,
    /// Kept by the probability.
    pub kept_probability: u64,
    /// Dropped: no rule, and not selected by the probability.
    pub dropped_probability: u64,
    /// Dropped by the rate limit.
    pub dropped_rate_limited: u64,
    /// Decided on what had arrived after the decision timeout.
    pub decided_on_timeout: u64,
    /// Decided early to stay within the trace limit.
    pub decided_on_max_traces: u64,
    /// Decided early to stay within the byte limit.
    pub decided_on_max_bytes: u64,
    /// Decided at shutdown with spans still open.
    pub decided_at_shutdown: u64,
    /// Spans forwarded to the exporters.
    pub spans_kept: u64,
    /// Spans dropped (sampled out: not a loss, not in [`ExportFailures`](crate::ExportFailures)).
    pub spans_dropped: u64,
    /// Traces waiting for a decision.
    pub held_traces: u64,
    /// Ended spans waiting for their trace's decision.
    pub held_spans: u64,
    /// Estimated bytes of those spans.
    pub held_bytes: u64,
}

impl TailSamplingCounts {
    /// Traces kept, for any reason.
    pub fn kept(&self) -> u64 {
        self.kept_remote_sampled
            + self.kept_error
            + self.kept_latency
            + self.kept_tokens
            + self.kept_cost
            + self.kept_attribute
            + self.kept_probability
    }

    /// Traces dropped, for any reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_probability + self.dropped_rate_limited
    }
}

/// The processor's counters.
#[derive(Debug, Default)]
pub(crate) struct TailStats {
    pub(crate) kept: [AtomicU64; 7],
    pub(crate) dropped: [AtomicU64; 2],
    pub(crate) early: [AtomicU64; 4],
    pub(crate) spans_kept: AtomicU64,
    pub(crate) spans_dropped: AtomicU64,
    pub(crate) held_traces: AtomicI64,
    pub(crate) held_spans: AtomicI64,
    pub(crate) held_bytes: AtomicI64,
}

impl TailStats {
    pub(crate) fn snapshot(&self) -> TailSamplingCounts {
        let k = |r: Kept| self.kept[r as usize].load(Ordering::Relaxed);
        let d = |r: Dropped| self.dropped[r as usize].load(Ordering::Relaxed);
        let e = |r: Early| self.early[r as usize].load(Ordering::Relaxed);
        let g = |a: &AtomicI64| u64::try_from(a.load(Ordering::Relaxed)).unwrap_or(0);
        TailSamplingCounts {
            kept_remote_sampled: k(Kept::RemoteSampled),
            kept_error: k(Kept::Error),
            kept_latency: k(Kept::Latency),
            kept_tokens: k(Kept::Tokens),
            kept_cost: k(Kept::Cost),
            kept_attribute: k(Kept::Attribute),
            kept_probability: k(Kept::Probability),
            dropped_probability: d(Dropped::Probability),
            dropped_rate_limited: d(Dropped::RateLimited),
            decided_on_timeout: e(Early::Timeout),
            decided_on_max_traces: e(Early::MaxTraces),
            decided_on_max_bytes: e(Early::MaxBytes),
            decided_at_shutdown: e(Early::Shutdown),
            spans_kept: self.spans_kept.load(Ordering::Relaxed),
            spans_dropped: self.spans_dropped.load(Ordering::Relaxed),
            held_traces: g(&self.held_traces),
            held_spans: g(&self.held_spans),
            held_bytes: g(&self.held_bytes),
        }
    }
}
