//! GenAI client metrics with the spec's buckets, created once per [`GenAi`](crate::GenAi).
//!
//! v1.41 (default): `gen_ai.client.token.usage` (histogram, `{token}`, `gen_ai.token.type` =
//! `input`/`output`), `gen_ai.client.operation.duration` (histogram, `s`, every operation but
//! `execute_tool`, `error.type` on failure) and `gen_ai.client.operation.time_to_first_chunk`
//! (histogram, `s`, streaming).
//!
//! *latest*: inference uses `gen_ai.client.inference.duration` and
//! `gen_ai.client.inference.time_to_first_chunk`; tokens go to the counters
//! `gen_ai.client.inference.usage.{input_tokens,output_tokens,cache_read.input_tokens,
//! cache_write.input_tokens,reasoning.output_tokens}` (with `gen_ai.token.modality`, `unknown`
//! because providers rarely split usage by modality; a failed call or one without usage records
//! 0) and the histograms `gen_ai.client.inference.operation.{input,output}_tokens`;
//! `gen_ai.invoke_agent.duration`, `gen_ai.execute_tool.duration`,
//! `gen_ai.invoke_agent.inference_calls` and `gen_ai.invoke_agent.tool_calls` are added;
//! `gen_ai.client.embeddings.duration` and `gen_ai.client.embeddings.operation.input_tokens`
//! take embeddings; `gen_ai.client.operation.duration` remains for `create_agent`; the
//! per-inference token histograms record 0 for a failed call without usage, with
//! `error.type`.
//!
//! Both: `gen_ai.client.operation.time_per_output_chunk` (histogram, `s`, one record per
//! streamed chunk after the first: the time since the previous one).
//!
//! Metric attributes are only the low-cardinality ones the conventions list (operation,
//! provider, request and response model, server address and port, token type, `error.type`,
//! agent and tool names on the *latest* agent and tool metrics): never ids.

use std::time::Duration;

use telemetry_core::{
    Attribute, Counter, F64Counter, Histogram, InstrumentDescriptor, Meter, StringValue,
};

use crate::attributes as a;
use crate::usage::Usage;

/// `gen_ai.client.token.usage` buckets (v1.41), `{token}`: powers of 4 from 1 to 4^13.
pub const TOKEN_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// `gen_ai.client.operation.duration` and time-to-first-chunk buckets (v1.41), seconds.
pub const DURATION_BUCKETS: &[f64] = telemetry_core::DURATION_BUCKETS_SECONDS;

/// Buckets for the *latest* calls-per-invocation histograms, `{call}` (the draft gives none;
/// powers of 2 up to 512 cover agent loops).
pub const CALL_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

fn histogram(
    meter: &dyn Meter,
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    buckets: &'static [f64],
) -> Histogram {
    // Static names and increasing static buckets: these cannot fail; NoOp if they ever did.
    InstrumentDescriptor::new(name)
        .and_then(|d| {
            d.with_unit(unit)
                .with_description(description)
                .with_boundaries(buckets)
        })
        .map(|d| meter.histogram(&d))
        .unwrap_or_default()
}

fn counter(meter: &dyn Meter, name: &'static str, description: &'static str) -> Counter {
    InstrumentDescriptor::new(name)
        .map(|d| meter.counter(&d.with_unit("{token}").with_description(description)))
        .unwrap_or_default()
}

pub(crate) struct Metrics {
    versioned: Versioned,
    /// Project metric, both versions: cost in USD.
    cost: F64Counter,
}

/// The instruments whose names depend on the conventions version.
pub(crate) enum Versioned {
    V1_41 {
        token_usage: Histogram,
        duration: Histogram,
        ttfc: Histogram,
        tpoc: Histogram,
    },
    Latest(Box<LatestMetrics>),
}

pub(crate) struct LatestMetrics {
    inference_duration: Histogram,
    operation_duration: Histogram,
    ttfc: Histogram,
    tpoc: Histogram,
    embeddings_duration: Histogram,
    embeddings_input: Histogram,
    input: Counter,
    output: Counter,
    cache_read: Counter,
    cache_write: Counter,
    reasoning: Counter,
    op_input: Histogram,
    op_output: Histogram,
    agent_duration: Histogram,
    tool_duration: Histogram,
    agent_inference_calls: Histogram,
    agent_tool_calls: Histogram,
}

/// What kind of operation a duration belongs to (the *latest* metric name depends on it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DurationKind {
    Inference,
    Embeddings,
    Client,
    Agent,
    Tool,
}

impl Metrics {
    pub(crate) fn new(meter: &dyn Meter, latest: bool) -> Self {
        let cost = InstrumentDescriptor::new(a::METRIC_CLIENT_COST)
            .map(|d| {
                meter.f64_counter(&d.with_unit("USD").with_description(
                    "Cost of GenAI operations in USD, from their token usage and the price table.",
                ))
            })
            .unwrap_or_default();
        Self {
            versioned: Versioned::new(meter, latest),
            cost,
        }
    }

    /// Adds an operation's cost in USD. `attrs` are its metric attributes (operation,
    /// provider, request and response model, server); the agent's name, if any, is pushed onto
    /// them and popped again.
    pub(crate) fn cost(&self, usd: f64, attrs: &mut Vec<Attribute>, agent: Option<&StringValue>) {
        match agent {
            Some(name) => {
                attrs.push(Attribute::new(a::GEN_AI_AGENT_NAME, name.clone()));
                self.cost.add(usd, attrs);
                attrs.pop();
            }
            None => self.cost.add(usd, attrs),
        }
    }
}

// The version-specific recording methods are `Versioned`'s; callers reach them through the
// `Metrics` they hold.
impl std::ops::Deref for Metrics {
    type Target = Versioned;
    fn deref(&self) -> &Versioned {
        &self.versioned
    }
}

impl Versioned {
    fn new(meter: &dyn Meter, latest: bool) -> Self {
        let secs = |name, desc| histogram(meter, name, "s", desc, DURATION_BUCKETS);
        if !latest {
            return Self::V1_41 {
                token_usage: histogram(
                    meter,
                    a::METRIC_CLIENT_TOKEN_USAGE,
                    "{token}",
                    "Number of input and output tokens used.",
                    TOKEN_BUCKETS,
                ),
                duration: secs(
                    a::METRIC_CLIENT_OPERATION_DURATION,
                    "GenAI operation duration.",
                ),
                ttfc: secs(
                    a::METRIC_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
                    "Time to receive the first chunk in a streaming operation.",
                ),
                tpoc: secs(
                    a::METRIC_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
                    "Time between consecutive chunks of a streaming response.",
                ),
            };
        }
        let tokens = |name, desc| histogram(meter, name, "{token}", desc, TOKEN_BUCKETS);
        let calls = |name, desc| histogram(meter, name, "{call}", desc, CALL_BUCKETS);
        Self::Latest(Box::new(LatestMetrics {
            inference_duration: secs(
                a::METRIC_CLIENT_INFERENCE_DURATION,
                "GenAI inference duration.",
            ),
            operation_duration: secs(
                a::METRIC_CLIENT_OPERATION_DURATION,
                "GenAI operation duration.",
            ),
            ttfc: secs(
                a::METRIC_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
                "Time to receive the first chunk in a streaming inference.",
            ),
            tpoc: secs(
                a::METRIC_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
                "Time between consecutive chunks of a streaming response.",
            ),
            embeddings_duration: secs(
                a::METRIC_CLIENT_EMBEDDINGS_DURATION,
                "GenAI embeddings duration.",
            ),
            embeddings_input: tokens(
                a::METRIC_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
                "Input tokens per embeddings call.",
            ),
            input: counter(
                meter,
                a::METRIC_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
                "Input tokens used, including cached tokens.",
            ),
            output: counter(
                meter,
                a::METRIC_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
                "Output tokens used, including reasoning tokens.",
            ),
            cache_read: counter(
                meter,
                a::METRIC_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
                "Input tokens read from the cache.",
            ),
            cache_write: counter(
                meter,
                a::METRIC_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
                "Input tokens written to the cache.",
            ),
            reasoning: counter(
                meter,
                a::METRIC_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
                "Output tokens used for reasoning.",
            ),
            op_input: tokens(
                a::METRIC_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
                "Input tokens per inference.",
            ),
            op_output: tokens(
                a::METRIC_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
                "Output tokens per inference.",
            ),
            agent_duration: secs(
                a::METRIC_INVOKE_AGENT_DURATION,
                "Agent invocation duration.",
            ),
            tool_duration: secs(a::METRIC_EXECUTE_TOOL_DURATION, "Tool execution duration."),
            agent_inference_calls: calls(
                a::METRIC_INVOKE_AGENT_INFERENCE_CALLS,
                "Inference calls per agent invocation.",
            ),
            agent_tool_calls: calls(
                a::METRIC_INVOKE_AGENT_TOOL_CALLS,
                "Tool calls per agent invocation.",
            ),
        }))
    }

    /// Records an operation's duration; `attrs` already hold `error.type` on failure.
    pub(crate) fn duration(&self, kind: DurationKind, elapsed: Duration, attrs: &[Attribute]) {
        match self {
            Self::V1_41 { duration, .. } => {
                if kind != DurationKind::Tool {
                    duration.record_duration(elapsed, attrs);
                }
            }
            Self::Latest(m) => {
                let h = match kind {
                    DurationKind::Inference => &m.inference_duration,
                    DurationKind::Embeddings => &m.embeddings_duration,
                    DurationKind::Client => &m.operation_duration,
                    DurationKind::Agent => &m.agent_duration,
                    DurationKind::Tool => &m.tool_duration,
                };
                h.record_duration(elapsed, attrs);
            }
        }
    }

    pub(crate) fn time_to_first_chunk(&self, elapsed: Duration, attrs: &[Attribute]) {
        match self {
            Self::V1_41 { ttfc, .. } => ttfc.record_duration(elapsed, attrs),
            Self::Latest(m) => m.ttfc.record_duration(elapsed, attrs),
        }
    }

    /// The time since the previous chunk of a stream, for each chunk after the first.
    pub(crate) fn time_per_output_chunk(&self, elapsed: Duration, attrs: &[Attribute]) {
        match self {
            Self::V1_41 { tpoc, .. } => tpoc.record_duration(elapsed, attrs),
            Self::Latest(m) => m.tpoc.record_duration(elapsed, attrs),
        }
    }

    /// Token metrics of one inference. `attrs` must not contain `error.type`; `error` is the
    /// failure's type, if any. The token type or modality (and, on the *latest* per-operation
    /// histograms, `error.type`) is pushed onto `attrs` and popped again, rather than
    /// recording through a copy of the list.
    pub(crate) fn tokens(&self, usage: &Usage, attrs: &mut Vec<Attribute>, error: Option<&str>) {
        let failed = error.is_some();
        match self {
            Self::V1_41 { token_usage, .. } => {
                attrs.push(Attribute::new(a::GEN_AI_TOKEN_TYPE, "input"));
                if let Some(n) = usage.input_tokens {
                    token_usage.record(n as f64, attrs);
                }
                if let Some(n) = usage.output_tokens {
                    if let Some(last) = attrs.last_mut() {
                        last.value = "output".into();
                    }
                    token_usage.record(n as f64, attrs);
                }
                attrs.pop();
            }
            Self::Latest(m) => {
                // "SHOULD record for each inference, including failed ones; 0 when no usage".
                let zero_if_missing =
                    |v: Option<u64>| v.or((failed || usage.is_empty()).then_some(0));
                if let Some(e) = error {
                    attrs.push(Attribute::new(a::ERROR_TYPE, e.to_owned()));
                }
                if let Some(n) = zero_if_missing(usage.input_tokens) {
                    m.op_input.record(n as f64, attrs);
                }
                if let Some(n) = zero_if_missing(usage.output_tokens) {
                    m.op_output.record(n as f64, attrs);
                }
                if failed {
                    attrs.pop();
                }
                attrs.push(Attribute::new(a::GEN_AI_TOKEN_MODALITY, "unknown"));
                if let Some(n) = zero_if_missing(usage.input_tokens) {
                    m.input.add(n, attrs);
                }
                if let Some(n) = zero_if_missing(usage.output_tokens) {
                    m.output.add(n, attrs);
                }
                if let Some(n) = usage.cache_read_input_tokens {
                    m.cache_read.add(n, attrs);
                }
                if let Some(n) = usage.cache_creation_input_tokens {
                    m.cache_write.add(n, attrs);
                }
                if let Some(n) = usage.reasoning_output_tokens {
                    m.reasoning.add(n, attrs);
                }
                attrs.pop();
            }
        }
    }

    /// Input tokens of one embeddings call: v1.41 `gen_ai.client.token.usage`
    /// (`gen_ai.token.type` = `input`); *latest* `gen_ai.client.embeddings.operation.input_tokens`
    /// (0 for a failed call without usage, with `error.type`).
    pub(crate) fn embeddings_tokens(
        &self,
        input: Option<u64>,
        attrs: &mut Vec<Attribute>,
        error: Option<&str>,
    ) {
        match self {
            Self::V1_41 { token_usage, .. } => {
                if let Some(n) = input {
                    attrs.push(Attribute::new(a::GEN_AI_TOKEN_TYPE, "input"));
                    token_usage.record(n as f64, attrs);
                    attrs.pop();
                }
            }
            Self::Latest(m) => {
                let n = input.or(error.map(|_| 0));
                if let Some(n) = n {
                    if let Some(e) = error {
                        attrs.push(Attribute::new(a::ERROR_TYPE, e.to_owned()));
                    }
                    m.embeddings_input.record(n as f64, attrs);
                    if error.is_some() {
                        attrs.pop();
                    }
                }
            }
        }
    }

    /// *latest* only: calls per agent invocation.
    pub(crate) fn agent_calls(&self, inference: u64, tools: u64, attrs: &[Attribute]) {
        if let Self::Latest(m) = self {
            m.agent_inference_calls.record(inference as f64, attrs);
            m.agent_tool_calls.record(tools as f64, attrs);
        }
    }
}
