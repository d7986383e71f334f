//! `embeddings` spans.
//!
//! Source: semantic conventions v1.41, *gen-ai-spans.md › Embeddings*: `embeddings
//! {gen_ai.request.model}`, kind CLIENT; `gen_ai.embeddings.dimension.count`,
//! `gen_ai.request.encoding_formats`, `gen_ai.usage.input_tokens` recommended.

use std::sync::Arc;

use telemetry_core::{Attribute, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::genai::GenAi;
use crate::operation::{OpCore, OperationName, server_attributes, span_name};
use crate::span::{OperationSpan, sealed::Hooks};
use crate::usage::Usage;

impl GenAi {
    /// An `embeddings` span builder (`embeddings {model}`, CLIENT).
    pub fn embeddings(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> EmbeddingsBuilder {
        EmbeddingsBuilder::new(self, provider.into(), model.into())
    }
}

/// Describes an embeddings call; from [`GenAi::embeddings`].
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct EmbeddingsBuilder {
    genai: GenAi,
    provider: StringValue,
    model: StringValue,
    server: Vec<Attribute>,
    attrs: Vec<Attribute>,
}

impl EmbeddingsBuilder {
    fn new(genai: &GenAi, provider: StringValue, model: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            provider,
            model,
            server: Vec::new(),
            attrs: Vec::new(),
        }
    }
    /// `gen_ai.embeddings.dimension.count`.
    pub fn dimension_count(mut self, n: u32) -> Self {
        self.attrs
            .push(Attribute::new(a::GEN_AI_EMBEDDINGS_DIMENSION_COUNT, n));
        self
    }
    /// `gen_ai.request.encoding_formats`, e.g. `["float"]`.
    pub fn encoding_formats(mut self, f: Vec<String>) -> Self {
        self.attrs
            .push(Attribute::new(a::GEN_AI_REQUEST_ENCODING_FORMATS, f));
        self
    }
    /// `server.address` and `server.port`.
    pub fn server(mut self, address: impl Into<StringValue>, port: Option<u16>) -> Self {
        self.server = server_attributes(address.into(), port);
        self
    }
    /// Opens the span.
    pub fn start(self) -> EmbeddingsSpan {
        let model = self.model.into_shared();
        let name = span_name(OperationName::Embeddings, Some(&model));
        let mut metric_attrs = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, "embeddings"),
            Attribute::new(a::GEN_AI_PROVIDER_NAME, self.provider.into_shared()),
            Attribute::new(a::GEN_AI_REQUEST_MODEL, model),
        ];
        metric_attrs.extend(self.server);
        let mut open = metric_attrs.clone();
        open.extend(self.attrs);
        let core = OpCore::open(
            &self.genai,
            OperationName::Embeddings,
            name,
            SpanKind::Client,
            &open,
            None,
            metric_attrs,
        );
        // Its cost counts toward the running agent above it, if any.
        let agent = AgentState::running(core.scope.context());
        let embeddings = Embeddings {
            usage: Usage::default(),
            response_model: None,
            agent,
        };
        OperationSpan::new(core, embeddings)
    }
}

/// The `embeddings` operation's result, recorded when the span ends.
pub struct Embeddings {
    usage: Usage,
    response_model: Option<StringValue>,
    agent: Option<Arc<AgentState>>,
}

impl Hooks for Embeddings {
    const TYPE_NAME: &'static str = "EmbeddingsSpan";

    fn finish(&mut self, core: &mut OpCore) {
        let g = core.genai.clone();
        if let Some(n) = self.usage.input_tokens {
            core.set(a::GEN_AI_USAGE_INPUT_TOKENS, n);
        }
        let cost = core.cost(self.response_model.as_ref(), &self.usage);
        for x in cost.into_iter().flat_map(|usd| g.cost_attributes(usd)) {
            core.set(x.key, x.value);
        }
        if let Some(m) = &self.response_model {
            core.set(a::GEN_AI_RESPONSE_MODEL, m.clone());
            core.metric_attrs
                .push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
        }
        let error = core.error_type.clone();
        g.metrics().embeddings_tokens(
            self.usage.input_tokens,
            &mut core.metric_attrs,
            error.as_deref(),
        );
        let agent_name = self.agent.as_ref().and_then(|x| x.name());
        if let Some(usd) = cost {
            g.metrics().cost(usd, &mut core.metric_attrs, agent_name);
        }
        if let (Some(agent), Some(_)) = (&self.agent, self.usage.input_tokens) {
            agent.add_cost(cost);
        }
    }
}

/// An open `embeddings` span; ends with [`end`](OperationSpan::end),
/// [`fail`](OperationSpan::fail) or drop.
pub type EmbeddingsSpan = OperationSpan<Embeddings>;

impl EmbeddingsSpan {
    /// `gen_ai.usage.input_tokens` (tokens).
    pub fn input_tokens(&mut self, n: u64) -> &mut Self {
        self.op.usage.input_tokens = Some(n);
        self
    }
    /// `gen_ai.response.model`.
    pub fn response_model(&mut self, m: impl Into<StringValue>) -> &mut Self {
        // Shared: the span and the metric attributes both carry it.
        self.op.response_model = Some(m.into().into_shared());
        self
    }
}
