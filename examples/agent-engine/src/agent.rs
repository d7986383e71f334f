//! The agent turn loop: model call → tools (concurrently) → model call … → reply.
//!
//! Recorded with `telemetry-genai` (GenAI semantic conventions v1.41, or the latest
//! experimental names when opted in): one `invoke_agent {agent}` span per turn (INTERNAL: the
//! agent runs in-process), one `chat {model}` span per model call (CLIENT with `server.*` for a
//! remote provider, INTERNAL for the in-process scripted model) and one
//! `execute_tool {tool}` span per tool run, all children of `invoke_agent`. The layer records
//! the token usage and duration metrics, the turn's token totals on `invoke_agent`, and
//! message content only when [`GenAiConfig`](telemetry_genai::GenAiConfig) opts in.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use serde_json::Value;
use telemetry_core::{Attribute, Context, SharedLogger, StringValue};
use telemetry_genai::attributes::{
    ERROR_TYPE, GEN_AI_AGENT_NAME, GEN_AI_RESPONSE_FINISH_REASONS, GEN_AI_TOOL_NAME,
    GEN_AI_USAGE_INPUT_TOKENS, GEN_AI_USAGE_OUTPUT_TOKENS,
};
use telemetry_genai::{AgentSpan, CaptureMode, GenAi, Message};

use crate::instruments::Instruments;
use crate::model::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ModelError, ToolCallRequest, Usage,
};
use crate::semconv::{EXCEPTION_MESSAGE, TOOL_OUTCOME};
use crate::session::ToolCallRecord;
use crate::tools::{Tool, ToolError, ToolRegistry};

/// What one turn produced.
#[derive(Clone, Debug)]
pub struct TurnOutcome {
    /// The final reply.
    pub reply: String,
    /// Tokens over every model call of the turn.
    pub usage: Usage,
    /// The tool calls, in the order the model asked for them.
    pub tool_calls: Vec<ToolCallRecord>,
    /// Messages to append to the session: the user's, then assistant and tool messages.
    pub new_messages: Vec<ChatMessage>,
    /// How many model calls the turn made.
    pub model_calls: usize,
    /// The turn's cost in USD (`agent_telemetry.gen_ai.usage.cost` of its `invoke_agent`
    /// span); `None` when the model has no price.
    pub cost_usd: Option<f64>,
    /// The turn's `invoke_agent` span, ended: what user feedback is recorded on.
    pub span: Context,
}

/// Why a turn failed.
#[derive(Debug)]
pub enum AgentError {
    /// A model call failed.
    Model(ModelError),
    /// The model kept asking for tools beyond the per-turn limit.
    TooManyModelCalls(usize),
}

impl AgentError {
    /// The `error.type` of the failure.
    pub fn error_type(&self) -> String {
        match self {
            Self::Model(e) => e.error_type(),
            Self::TooManyModelCalls(_) => "max_model_calls_exceeded".into(),
        }
    }
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Model(e) => e.fmt(f),
            Self::TooManyModelCalls(n) => write!(
                f,
                "the model asked for tools {n} times without answering; gave up (limit {n})"
            ),
        }
    }
}

impl std::error::Error for AgentError {}

/// Runs turns: owns the model, the tools and the GenAI layer they report to.
#[derive(Clone)]
pub struct Agent {
    model: Arc<dyn ChatModel>,
    tools: ToolRegistry,
    genai: GenAi,
    instruments: Instruments,
    max_model_calls: usize,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("model", &self.model.model_name())
            .field("tools", &self.tools)
            .field("genai", &self.genai)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent over `model` and `tools` that records through `genai` (logs go to its
    /// telemetry's logger), allowing `max_model_calls` model calls per turn.
    pub fn new(
        model: Arc<dyn ChatModel>,
        tools: ToolRegistry,
        genai: GenAi,
        instruments: Instruments,
        max_model_calls: usize,
    ) -> Self {
        Self {
            model,
            tools,
            genai,
            instruments,
            max_model_calls: max_model_calls.max(1),
        }
    }

    fn logger(&self) -> &SharedLogger {
        &self.genai.telemetry().logger
    }

    /// Whether anything records the chat history and tool definitions. Converting them clones
    /// the whole history on every model call, so it happens only then.
    fn records_inputs(&self) -> bool {
        let config = self.genai.config();
        config.capture != CaptureMode::NoContent || config.compat_events
    }

    /// Runs one turn of session `session_id` for agent `agent` inside an
    /// `invoke_agent {agent}` span (`gen_ai.conversation.id` = the session id; token totals
    /// of the turn's model calls recorded at the end; `error.type` and ERROR status on
    /// failure).
    ///
    /// # Errors
    /// [`AgentError`]; the session should then be left unchanged.
    pub async fn run_turn(
        &self,
        session_id: Arc<str>,
        agent: Arc<str>,
        history: &[ChatMessage],
        user_message: &str,
    ) -> Result<TurnOutcome, AgentError> {
        let input = if self.records_inputs() {
            vec![Message::user(user_message)]
        } else {
            Vec::new()
        };
        let mut span = self
            .genai
            .invoke_agent(self.model.provider_name(), agent.clone())
            .model(self.model.model_name())
            .conversation_id(session_id)
            .input_messages(input)
            .start();
        let result = span
            .instrument(self.turn_loop(&span, &agent, history, user_message))
            .await;
        {
            let _current = span.enter();
            match &result {
                Ok(outcome) => self.logger().info(
                    "agent turn finished",
                    &[
                        Attribute::new(GEN_AI_AGENT_NAME, agent.to_owned()),
                        Attribute::new("agent.model_calls", outcome.model_calls),
                        Attribute::new("agent.tool_calls", outcome.tool_calls.len()),
                        Attribute::new(GEN_AI_USAGE_INPUT_TOKENS, outcome.usage.input_tokens),
                        Attribute::new(GEN_AI_USAGE_OUTPUT_TOKENS, outcome.usage.output_tokens),
                    ],
                ),
                Err(e) => self.logger().error(
                    "agent turn failed",
                    &[
                        Attribute::new(ERROR_TYPE, e.error_type()),
                        Attribute::new(EXCEPTION_MESSAGE, e.to_string()),
                    ],
                ),
            }
        }
        match result {
            Ok(mut outcome) => {
                span.output_messages(vec![
                    Message::assistant(outcome.reply.clone()).with_finish_reason("stop"),
                ]);
                outcome.cost_usd = span.cost();
                outcome.span = span.context().clone();
                span.end();
                Ok(outcome)
            }
            Err(e) => {
                span.fail(&e.error_type(), &e.to_string());
                Err(e)
            }
        }
    }

    /// The GenAI layer the agent records through (for evaluations of its turns).
    pub fn genai(&self) -> &GenAi {
        &self.genai
    }

    async fn turn_loop(
        &self,
        span: &AgentSpan,
        agent: &Arc<str>,
        history: &[ChatMessage],
        user_message: &str,
    ) -> Result<TurnOutcome, AgentError> {
        self.logger().info(
            "agent turn started",
            &[
                Attribute::new(GEN_AI_AGENT_NAME, agent.clone()),
                Attribute::new("agent.history_messages", history.len()),
            ],
        );
        let mut messages = Vec::with_capacity(history.len() + 4);
        messages.push(ChatMessage::System(format!(
            "You are {agent}, a helpful agent. Use the tools for arithmetic, the current time \
             and research; call several at once when the user asks for several things."
        )));
        messages.extend_from_slice(history);
        messages.push(ChatMessage::User(user_message.to_owned()));
        let first_new = messages.len() - 1;
        let mut usage = Usage::default();
        let mut records = Vec::new();
        for call in 1..=self.max_model_calls {
            let response = self.chat(span, &messages).await?;
            usage += response.usage;
            if response.tool_calls.is_empty() {
                let reply = response.content.clone().unwrap_or_default();
                messages.push(ChatMessage::Assistant {
                    content: Some(reply.clone()),
                    tool_calls: Vec::new(),
                });
                return Ok(TurnOutcome {
                    reply,
                    usage,
                    tool_calls: records,
                    new_messages: messages.split_off(first_new),
                    model_calls: call,
                    // Set by `run_turn` once the span has the totals.
                    cost_usd: None,
                    span: Context::none(),
                });
            }
            messages.push(ChatMessage::Assistant {
                content: response.content.clone(),
                tool_calls: response.tool_calls.clone(),
            });
            for record in self.run_tools(span, &response).await {
                messages.push(ChatMessage::Tool {
                    call_id: record.id.clone(),
                    name: record.name.clone(),
                    content: match (&record.result, &record.error) {
                        (Some(Value::String(s)), _) => s.clone(),
                        (Some(v), _) => v.to_string(),
                        (None, Some(e)) => format!("error: {e}"),
                        (None, None) => String::new(),
                    },
                });
                records.push(record);
            }
        }
        Err(AgentError::TooManyModelCalls(self.max_model_calls))
    }

    /// One model call in a `chat {model}` span under `agent`: CLIENT with `server.address`
    /// and `server.port` for a remote provider, INTERNAL for an in-process one. The span gets
    /// the response id and model, finish reasons and token usage (or
    /// `error.type`), and records `gen_ai.client.token.usage` and
    /// `gen_ai.client.operation.duration`. Reasoning goes into the output message as a
    /// `reasoning` part: content, recorded only when capture is on.
    async fn chat(
        &self,
        agent: &AgentSpan,
        messages: &[ChatMessage],
    ) -> Result<ChatResponse, AgentError> {
        let model = &self.model;
        let request = ChatRequest {
            messages: messages.to_vec(),
            tools: self.tools.definitions(),
        };
        let mut builder = agent.chat(model.provider_name(), model.model_name());
        builder = match model.server() {
            Some((host, port)) => builder.server(host, Some(port)),
            None => builder.in_process(),
        };
        if self.records_inputs() {
            builder = builder
                .input_messages(request.messages.iter().map(Message::from).collect())
                .tool_definitions(request.tools.iter().map(Into::into).collect());
        }
        let mut span = builder.start();
        let result = span.instrument(model.chat(request)).await;
        {
            let _current = span.enter();
            match &result {
                Ok(response) => self.logger().info(
                    "model call finished",
                    &[
                        // The span's spelling and type (string[]), not the provider's.
                        Attribute::new(
                            GEN_AI_RESPONSE_FINISH_REASONS,
                            vec![telemetry_genai::finish_reason(&response.finish_reason)],
                        ),
                        Attribute::new(GEN_AI_USAGE_INPUT_TOKENS, response.usage.input_tokens),
                        Attribute::new(GEN_AI_USAGE_OUTPUT_TOKENS, response.usage.output_tokens),
                        Attribute::new("agent.tool_calls_requested", response.tool_calls.len()),
                    ],
                ),
                Err(e) => self.logger().error(
                    "model call failed",
                    &[
                        Attribute::new(ERROR_TYPE, e.error_type()),
                        Attribute::new(EXCEPTION_MESSAGE, e.to_string()),
                    ],
                ),
            }
        }
        match &result {
            Ok(response) => {
                if let Some(id) = &response.response_id {
                    span.response_id(id.clone());
                }
                span.response_model(response.response_model.clone())
                    .usage(telemetry_genai::Usage::new(
                        response.usage.input_tokens,
                        response.usage.output_tokens,
                    ))
                    // Always passed: finish reasons come from it.
                    .output_messages(vec![Message::from(response)]);
                span.end();
            }
            Err(e) => span.fail(&e.error_type(), &e.to_string()),
        }
        result.map_err(AgentError::Model)
    }

    /// Runs the response's tool calls concurrently (fan-out/fan-in).
    ///
    /// Every `execute_tool` span is opened here, under `agent`, before any tool starts; each
    /// then moves into its own task, which ends it when the tool finishes (with the result as
    /// opt-in content, or `error.type` and ERROR status). So every tool span is a child of
    /// `invoke_agent` and all of them are in flight together.
    async fn run_tools(&self, agent: &AgentSpan, response: &ChatResponse) -> Vec<ToolCallRecord> {
        // Each call's tool, name and span, looked up and opened once.
        let mut spans = Vec::with_capacity(response.tool_calls.len());
        for call in &response.tool_calls {
            let tool = self.tools.get(&call.name).cloned();
            let name = tool_name(tool.as_ref(), call);
            let mut builder = agent
                .execute_tool(name.clone())
                .call_id(call.id.clone())
                .arguments(call.arguments.clone());
            if let Some(tool) = &tool {
                builder = builder.description(tool.description());
            }
            spans.push((tool, name, builder.start()));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (call, (tool, tool_name, mut span))) in
            response.tool_calls.iter().zip(spans).enumerate()
        {
            let call = call.clone();
            let genai = self.genai.clone();
            let instruments = self.instruments.clone();
            tasks.spawn(async move {
                let started = Instant::now();
                let name = call.name.clone();
                let arguments = call.arguments.clone();
                let run = async move {
                    match tool {
                        Some(tool) => tool.call(arguments).await,
                        None => Err(ToolError::new(
                            "unknown_tool",
                            format!("unknown tool {name:?}: the model asked for a tool that does not exist"),
                        )),
                    }
                };
                let result = match AssertUnwindSafe(span.instrument(run)).catch_unwind().await {
                    Ok(r) => r,
                    Err(_) => Err(ToolError::new("panic", format!("tool {:?} panicked", call.name))),
                };
                let outcome = if result.is_ok() { "success" } else { "error" };
                let mut metric_attributes = vec![
                    Attribute::new(GEN_AI_TOOL_NAME, tool_name.clone()),
                    Attribute::new(TOOL_OUTCOME, outcome),
                ];
                let logger = &genai.telemetry().logger;
                {
                    let _current = span.enter();
                    match &result {
                        Ok(_) => logger.info(
                            "tool finished",
                            &[Attribute::new(GEN_AI_TOOL_NAME, tool_name.clone())],
                        ),
                        Err(e) => logger.warning(
                            "tool failed",
                            &[
                                Attribute::new(GEN_AI_TOOL_NAME, tool_name.clone()),
                                Attribute::new(ERROR_TYPE, e.error_type.clone()),
                                Attribute::new(EXCEPTION_MESSAGE, e.message.clone()),
                            ],
                        ),
                    }
                }
                match &result {
                    Ok(value) => {
                        span.result(value);
                        span.end();
                    }
                    Err(e) => {
                        metric_attributes.push(Attribute::new(ERROR_TYPE, e.error_type.clone()));
                        span.fail(&e.error_type, &e.message);
                    }
                }
                instruments.tool_calls.add(1, &metric_attributes);
                instruments
                    .tool_duration
                    .record_duration(started.elapsed(), &metric_attributes);
                let (result, error) = match result {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e.message)),
                };
                (
                    index,
                    ToolCallRecord {
                        id: call.id,
                        name: call.name,
                        arguments: call.arguments,
                        result,
                        error,
                    },
                )
            });
        }
        let mut records: Vec<Option<ToolCallRecord>> = vec![None; response.tool_calls.len()];
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, record)) => records[index] = Some(record),
                // Only cancellation (runtime shutdown) gets here: panics are caught above.
                Err(e) => {
                    self.logger().error(
                        "tool task did not finish",
                        &[Attribute::new(EXCEPTION_MESSAGE, e.to_string())],
                    );
                }
            }
        }
        records
            .into_iter()
            .zip(&response.tool_calls)
            .map(|(r, call)| {
                r.unwrap_or_else(|| ToolCallRecord {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    arguments: call.arguments.clone(),
                    result: None,
                    error: Some("the tool task was cancelled".into()),
                })
            })
            .collect()
    }
}

/// The tool name for a call's span, metric and log attributes: a registered tool's own literal
/// (no copy), else the name the model sent, shared once.
fn tool_name(tool: Option<&Arc<dyn Tool>>, call: &ToolCallRequest) -> StringValue {
    match tool {
        Some(tool) => StringValue::from(tool.name()),
        None => StringValue::from(call.name.clone()).into_shared(),
    }
}
