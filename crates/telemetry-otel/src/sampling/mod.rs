//! Sampling logic that is neither configuration nor pipeline: the consistent probability
//! sampling arithmetic (thresholds, randomness, the `ot` tracestate entry) and the SDK sampler
//! that `agent_tail` runs at span start.

pub(crate) mod head;
pub(crate) mod probability;
