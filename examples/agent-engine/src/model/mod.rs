//! Model providers behind one trait: the offline [`ScriptedModel`] and the
//! OpenAI-compatible [`OpenAiModel`].

mod content;
mod openai;
mod scripted;

use std::fmt;

use telemetry_core::StringValue;

pub use openai::{OpenAiConfig, OpenAiModel};
pub use scripted::{SCRIPTED_MODEL_NAME, ScriptedModel, scripted_prices};

/// One message of a conversation, in the shape chat-completion APIs use.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatMessage {
    /// Instructions for the model.
    System(String),
    /// What the user said.
    User(String),
    /// What the model answered: text and/or tool calls.
    Assistant {
        /// The reply text, if any.
        content: Option<String>,
        /// Tools the model asked to run.
        tool_calls: Vec<ToolCallRequest>,
    },
    /// The result of one tool call, sent back to the model.
    Tool {
        /// The [`ToolCallRequest::id`] this answers.
        call_id: String,
        /// The tool's name.
        name: String,
        /// The result (or error) as text.
        content: String,
    },
}

/// A tool the model may call: name, description and JSON Schema of its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolDefinition {
    /// The tool's name, for example `calculator`.
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema (draft 2020-12 subset) of the arguments object.
    pub parameters: serde_json::Value,
}

/// A tool call the model asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCallRequest {
    /// The call id, unique within the conversation (`gen_ai.tool.call.id`).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments object.
    pub arguments: serde_json::Value,
}

/// Token counts of one model call (`gen_ai.usage.*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens in the prompt.
    pub input_tokens: u64,
    /// Tokens in the completion.
    pub output_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Self) {
        self.input_tokens += rhs.input_tokens;
        self.output_tokens += rhs.output_tokens;
    }
}

/// What one model call sends.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    /// The conversation so far, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The tools the model may call.
    pub tools: Vec<ToolDefinition>,
}

/// What one model call returned.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatResponse {
    /// The reply text; `None` when the model only asked for tools.
    pub content: Option<String>,
    /// Tools to run before the next call; several means run them concurrently.
    pub tool_calls: Vec<ToolCallRequest>,
    /// Token counts.
    pub usage: Usage,
    /// `stop`, `tool_calls`, `length`, … (`gen_ai.response.finish_reasons`).
    pub finish_reason: String,
    /// The model that answered (`gen_ai.response.model`).
    pub response_model: String,
    /// The provider's completion id (`gen_ai.response.id`), if it gave one.
    pub response_id: Option<String>,
    /// A short explanation of the decision, when the model exposes one.
    pub reasoning: Option<String>,
}

/// Why a model call failed. [`error_type`](Self::error_type) is the `error.type` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The provider answered 429.
    RateLimited(String),
    /// The prompt does not fit the model's context window.
    ContextWindowExceeded(String),
    /// No answer within the configured timeout.
    Timeout(String),
    /// Another HTTP error status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// The connection failed.
    Connection(String),
    /// The answer was not the expected JSON.
    InvalidResponse(String),
}

impl ModelError {
    /// The low-cardinality `error.type`: `rate_limit_exceeded`, `context_length_exceeded`,
    /// `timeout`, the status code (`500`), `connection_error` or `invalid_response`.
    pub fn error_type(&self) -> String {
        match self {
            Self::RateLimited(_) => "rate_limit_exceeded".into(),
            Self::ContextWindowExceeded(_) => "context_length_exceeded".into(),
            Self::Timeout(_) => "timeout".into(),
            Self::Status { status, .. } => status.to_string(),
            Self::Connection(_) => "connection_error".into(),
            Self::InvalidResponse(_) => "invalid_response".into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RateLimited(m) => write!(f, "model provider rate limit exceeded: {m}"),
            Self::ContextWindowExceeded(m) => {
                write!(f, "prompt exceeds the model's context window: {m}")
            }
            Self::Timeout(m) => write!(f, "model call timed out: {m}"),
            Self::Status { status, message } => {
                write!(f, "model provider answered HTTP {status}: {message}")
            }
            Self::Connection(m) => write!(f, "cannot reach the model provider: {m}"),
            Self::InvalidResponse(m) => write!(f, "model provider sent an invalid response: {m}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// A chat model. Object-safe; the server holds one as `Arc<dyn ChatModel>`.
#[async_trait::async_trait]
pub trait ChatModel: Send + Sync {
    /// `gen_ai.provider.name`. A [`StringValue`] (static or shared), because every model
    /// call's span and metrics carry it: cloning it must not copy it.
    fn provider_name(&self) -> StringValue;
    /// `gen_ai.request.model`, static or shared like the provider name.
    fn model_name(&self) -> StringValue;
    /// `(server.address, server.port)` for remote providers; `None` in-process.
    fn server(&self) -> Option<(StringValue, u16)> {
        None
    }
    /// Sends the conversation and returns the model's answer.
    ///
    /// # Errors
    /// [`ModelError`] classifying the failure.
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ModelError>;
}

/// Counts whitespace-separated words: the scripted model's "tokens", and a fallback when a
/// provider omits usage.
pub fn whitespace_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}
