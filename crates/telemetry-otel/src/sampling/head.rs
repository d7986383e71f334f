//! The SDK sampler `agent_tail` runs when a span starts: it records and samples every span
//! (the tail decision needs them all), and writes the probability part of the decision into
//! the span's `tracestate`, which is what the trace carries to the services it calls.
//!
//! The probability part is known up front, from the trace id alone, so it can travel: a root
//! (or the child of a remote parent that was not sampled) whose randomness `R` meets the
//! threshold `T` gets `ot=th:T`, others have `th` erased (OpenTelemetry specification v1.60.0,
//! *Trace SDK* §ProbabilitySampler sampler algorithm, and *TraceState: Probability Sampling*
//! §General requirements: "Sampling stages that yield spans with unknown sampling
//! probability … must erase the OpenTelemetry threshold value"). A local child keeps its
//! parent's `tracestate`; the child of a remote sampled parent keeps the caller's, threshold
//! included (§Parent-based threshold).

use opentelemetry::trace::{Link, SpanKind, TraceContextExt as _, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult, ShouldSample};

use crate::sampling::probability::{self, OT, Threshold};

/// Records and samples every span; sets `ot=th:T` on traces the probability rule keeps.
#[derive(Clone, Debug)]
pub(crate) struct AgentTailHead {
    pub(crate) threshold: Option<Threshold>,
}

impl ShouldSample for AgentTailHead {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        _name: &str,
        _span_kind: &SpanKind,
        _attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let trace_state = match parent_context {
            Some(cx) if cx.span().span_context().is_valid() => {
                let span = cx.span();
                let parent = span.span_context();
                if !parent.is_remote() || parent.is_sampled() {
                    parent.trace_state().clone()
                } else {
                    decided_state(self.threshold, trace_id, parent.trace_state())
                }
            }
            _ => decided_state(self.threshold, trace_id, &TraceState::NONE),
        };
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state,
        }
    }
}

/// `state` with the `ot` entry's `th` set to the threshold when the trace's randomness meets
/// it, removed otherwise.
pub(crate) fn decided_state(
    threshold: Option<Threshold>,
    trace_id: TraceId,
    state: &TraceState,
) -> TraceState {
    let ot = state.get(OT);
    let id = u128::from_be_bytes(trace_id.to_bytes());
    let kept = probability::decide(threshold, id, ot);
    if kept.is_none() && ot.is_none() {
        return state.clone();
    }
    match probability::with_threshold(ot, kept) {
        Some(value) => state.insert(OT, value).unwrap_or_else(|_| state.clone()),
        None => state.delete(OT).unwrap_or_else(|_| state.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags};

    fn sample(head: &AgentTailHead, parent: Option<SpanContext>, id: u128) -> SamplingResult {
        let cx = parent.map(|sc| Context::new().with_remote_span_context(sc));
        head.should_sample(
            cx.as_ref(),
            TraceId::from(id),
            "s",
            &SpanKind::Internal,
            &[],
            &[],
        )
    }

    #[test]
    fn every_span_is_recorded_and_th_marks_the_probability_keep() {
        let head = AgentTailHead {
            threshold: Threshold::from_probability(0.25),
        };
        // Low 56 bits above 0xc0…: kept at 25%; below: not.
        let kept = sample(&head, None, 0xd0_0000_0000_0000);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(kept.trace_state.get("ot"), Some("th:c"));
        let not = sample(&head, None, 0x10_0000_0000_0000);
        assert_eq!(not.decision, SamplingDecision::RecordAndSample);
        assert_eq!(not.trace_state.get("ot"), None);

        // A remote parent that was sampled: its tracestate as received.
        let state = TraceState::from_key_value([("ot", "th:8"), ("rojo", "1")]).unwrap();
        let remote = |flags| {
            SpanContext::new(
                TraceId::from(0x10_0000_0000_0000_u128),
                SpanId::from(1),
                flags,
                true,
                state.clone(),
            )
        };
        let r = sample(
            &head,
            Some(remote(TraceFlags::SAMPLED)),
            0x10_0000_0000_0000,
        );
        assert_eq!(r.trace_state.get("ot"), Some("th:8"));
        // Not sampled: decided here; the caller's th is erased, other members stay.
        let r = sample(
            &head,
            Some(remote(TraceFlags::default())),
            0x10_0000_0000_0000,
        );
        assert_eq!(r.decision, SamplingDecision::RecordAndSample);
        assert_eq!(r.trace_state.get("ot"), None);
        assert_eq!(r.trace_state.get("rojo"), Some("1"));
    }
}
