//! `create_agent` spans.
//!
//! Source: semantic conventions v1.41, *gen-ai-agent-spans.md › Create agent span*:
//! `create_agent {gen_ai.agent.name}`, kind CLIENT; operation, provider, agent name and request
//! model at start, `gen_ai.agent.id` once the provider assigned one.

use telemetry_core::{Attribute, SpanKind, StringValue};

use crate::attributes as a;
use crate::genai::GenAi;
use crate::operation::{OpCore, OperationName, server_attributes, span_name};
use crate::span::{OperationSpan, sealed::Hooks};

impl GenAi {
    /// A `create_agent` span builder (`create_agent {name}`, CLIENT).
    pub fn create_agent(
        &self,
        provider: impl Into<StringValue>,
        agent_name: impl Into<StringValue>,
    ) -> CreateAgentBuilder {
        CreateAgentBuilder::new(self, provider.into(), agent_name.into())
    }
}

/// Describes an agent creation; from [`GenAi::create_agent`].
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct CreateAgentBuilder {
    genai: GenAi,
    provider: StringValue,
    name: StringValue,
    attrs: Vec<Attribute>,
    server: Vec<Attribute>,
}

impl CreateAgentBuilder {
    fn new(genai: &GenAi, provider: StringValue, name: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            provider,
            name,
            attrs: Vec::new(),
            server: Vec::new(),
        }
    }
    /// `gen_ai.agent.description`.
    pub fn description(mut self, d: impl Into<StringValue>) -> Self {
        self.attrs
            .push(Attribute::new(a::GEN_AI_AGENT_DESCRIPTION, d.into()));
        self
    }
    /// `gen_ai.request.model`: the model the new agent will use.
    pub fn model(mut self, m: impl Into<StringValue>) -> Self {
        self.attrs.push(Attribute::new(
            a::GEN_AI_REQUEST_MODEL,
            m.into().into_shared(),
        ));
        self
    }
    /// `server.address` and `server.port` of the agent service.
    pub fn server(mut self, address: impl Into<StringValue>, port: Option<u16>) -> Self {
        self.server = server_attributes(address.into(), port);
        self
    }
    /// Opens the span.
    pub fn start(self) -> CreateAgentSpan {
        let mut metric_attrs = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, "create_agent"),
            Attribute::new(a::GEN_AI_PROVIDER_NAME, self.provider.into_shared()),
        ];
        metric_attrs.extend(
            self.attrs
                .iter()
                .filter(|x| x.key == a::GEN_AI_REQUEST_MODEL)
                .cloned(),
        );
        metric_attrs.extend(self.server.iter().cloned());
        let mut open = metric_attrs.clone();
        open.push(Attribute::new(a::GEN_AI_AGENT_NAME, self.name.clone()));
        open.extend(
            self.attrs
                .into_iter()
                .filter(|x| x.key != a::GEN_AI_REQUEST_MODEL),
        );
        let name = span_name(OperationName::CreateAgent, Some(&self.name));
        let core = OpCore::open(
            &self.genai,
            OperationName::CreateAgent,
            name,
            SpanKind::Client,
            &open,
            None,
            metric_attrs,
        );
        OperationSpan::new(core, CreateAgent)
    }
}

/// The `create_agent` operation: nothing beyond the duration to record at the end.
#[derive(Debug)]
pub struct CreateAgent;

impl Hooks for CreateAgent {
    const TYPE_NAME: &'static str = "CreateAgentSpan";

    fn finish(&mut self, _: &mut OpCore) {}
}

/// An open `create_agent` span; ends with [`end`](OperationSpan::end),
/// [`fail`](OperationSpan::fail) or drop.
pub type CreateAgentSpan = OperationSpan<CreateAgent>;

impl CreateAgentSpan {
    /// `gen_ai.agent.id` the provider assigned.
    pub fn agent_id(&self, id: impl Into<String>) -> &Self {
        self.core.set(a::GEN_AI_AGENT_ID, id.into());
        self
    }
}
