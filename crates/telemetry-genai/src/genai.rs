//! [`GenAi`]: the entry point holding the telemetry, the configuration, the redactor, the
//! metric instruments and the registry of running agents.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use telemetry_core::{Context, SpanId, StringValue, Telemetry};

use crate::agent::{AgentBuilder, AgentState, CreateAgentBuilder};
use crate::config::{ConfigError, GenAiConfig};
use crate::content::{DefaultRedactor, Redactor};
use crate::embeddings::EmbeddingsBuilder;
use crate::inference::InferenceBuilder;
use crate::metrics::Metrics;
use crate::operation::OperationName;
use crate::tool::ToolBuilder;

/// The GenAI layer over a [`Telemetry`] bundle. Cloning is one `Arc` increment; build one at
/// start-up and share it.
///
/// Works with every implementation of the core traits: NoOp (nothing recorded), Basic and
/// OpenTelemetry. See the [crate documentation](crate) for an example.
///
/// Provider, model, agent, tool and server names are [`StringValue`]s. A literal or an
/// `Arc<str>` (say, a model name read from configuration once) goes on the span, its metrics
/// and events, and to the OpenTelemetry SDK without a copy; a `String` is copied once per span.
#[derive(Clone)]
pub struct GenAi {
    inner: Arc<Inner>,
}

struct Inner {
    telemetry: Telemetry,
    config: GenAiConfig,
    redactor: Arc<dyn Redactor>,
    metrics: Metrics,
    // Running invoke_agent spans by span id, so inference and tool spans opened anywhere below
    // one (found through the current scope's ancestors) add to its totals.
    agents: Mutex<HashMap<SpanId, Weak<AgentState>>>,
}

impl fmt::Debug for GenAi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAi")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`GenAi`] with a custom redactor.
pub struct GenAiBuilder {
    telemetry: Telemetry,
    config: GenAiConfig,
    redactor: Arc<dyn Redactor>,
}

impl fmt::Debug for GenAiBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GenAiBuilder {
    /// Replaces the configuration.
    pub fn config(mut self, config: GenAiConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the [`DefaultRedactor`]. It runs on every content string before anything is
    /// recorded, and on error messages.
    pub fn redactor(mut self, redactor: impl Redactor + 'static) -> Self {
        self.redactor = Arc::new(redactor);
        self
    }

    /// Creates the metric instruments and returns the layer.
    pub fn build(self) -> GenAi {
        let metrics = Metrics::new(&self.telemetry.meter, self.config.latest());
        GenAi {
            inner: Arc::new(Inner {
                telemetry: self.telemetry,
                config: self.config,
                redactor: self.redactor,
                metrics,
                agents: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl GenAi {
    /// A builder over `telemetry` with the default configuration and redactor.
    pub fn builder(telemetry: &Telemetry) -> GenAiBuilder {
        GenAiBuilder {
            telemetry: telemetry.clone(),
            config: GenAiConfig::default(),
            redactor: Arc::new(DefaultRedactor),
        }
    }

    /// The layer with `config` and the [`DefaultRedactor`].
    pub fn new(telemetry: &Telemetry, config: GenAiConfig) -> Self {
        Self::builder(telemetry).config(config).build()
    }

    /// The layer configured from the process environment ([`GenAiConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable and its accepted values.
    pub fn from_env(telemetry: &Telemetry) -> Result<Self, ConfigError> {
        Ok(Self::new(telemetry, GenAiConfig::from_env()?))
    }

    /// The telemetry bundle.
    pub fn telemetry(&self) -> &Telemetry {
        &self.inner.telemetry
    }

    /// The configuration.
    pub fn config(&self) -> &GenAiConfig {
        &self.inner.config
    }

    pub(crate) fn redactor(&self) -> &dyn Redactor {
        &*self.inner.redactor
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// A `chat` inference span builder (`chat {model}`, CLIENT).
    pub fn chat(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::Chat,
            provider.into(),
            Some(model.into()),
        )
    }

    /// A `text_completion` inference span builder.
    pub fn text_completion(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::TextCompletion,
            provider.into(),
            Some(model.into()),
        )
    }

    /// A `generate_content` inference span builder.
    pub fn generate_content(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::GenerateContent,
            provider.into(),
            Some(model.into()),
        )
    }

    /// An `embeddings` span builder (`embeddings {model}`, CLIENT).
    pub fn embeddings(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> EmbeddingsBuilder {
        EmbeddingsBuilder::new(self, provider.into(), model.into())
    }

    /// An `invoke_agent` span builder (`invoke_agent {name}`; INTERNAL unless
    /// [`remote`](AgentBuilder::remote)).
    pub fn invoke_agent(&self, agent_name: impl Into<StringValue>) -> AgentBuilder {
        AgentBuilder::new(self, agent_name.into())
    }

    /// A `create_agent` span builder (`create_agent {name}`, CLIENT).
    pub fn create_agent(
        &self,
        provider: impl Into<StringValue>,
        agent_name: impl Into<StringValue>,
    ) -> CreateAgentBuilder {
        CreateAgentBuilder::new(self, provider.into(), agent_name.into())
    }

    /// An `execute_tool` span builder (`execute_tool {name}`, INTERNAL).
    pub fn execute_tool(&self, tool_name: impl Into<StringValue>) -> ToolBuilder {
        ToolBuilder::new(self, tool_name.into())
    }

    pub(crate) fn register_agent(&self, id: SpanId, state: &Arc<AgentState>) {
        let mut agents = self.inner.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.retain(|_, w| w.strong_count() > 0);
        agents.insert(id, Arc::downgrade(state));
    }

    pub(crate) fn unregister_agent(&self, id: SpanId) {
        self.inner
            .agents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// The nearest running agent at or above `context`.
    pub(crate) fn enclosing_agent(&self, context: &Context) -> Option<Arc<AgentState>> {
        let agents = self.inner.agents.lock().unwrap_or_else(|p| p.into_inner());
        if agents.is_empty() {
            return None;
        }
        let mut cx = context.clone();
        // Bounded: scope trees are shallow; a cycle is impossible but a runaway depth is not.
        for _ in 0..256 {
            let id = cx.span_id()?;
            if let Some(state) = agents.get(&id).and_then(Weak::upgrade) {
                return Some(state);
            }
            cx = cx.parent();
        }
        None
    }
}
