//! The agent turn loop: model call → tools (concurrently) → model call … → reply, with one
//! `invoke_agent` scope per turn, one `chat` scope per model call and one `execute_tool`
//! scope per tool run (GenAI semantic conventions v1.41).

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use serde_json::Value;
use telemetry_core::{Attribute, Context, ScopeError, ScopeOptions, SpanKind, Telemetry};

use crate::instruments::Instruments;
use crate::model::{ChatMessage, ChatModel, ChatRequest, ChatResponse, ModelError, Usage};
use crate::semconv::*;
use crate::session::ToolCallRecord;
use crate::tools::{ToolError, ToolRegistry};

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
}

/// Why a turn failed.
#[derive(Debug)]
pub enum AgentError {
    /// A model call failed.
    Model(ModelError),
    /// The model kept asking for tools beyond the per-turn limit.
    TooManyModelCalls(usize),
    /// A scope could not be opened (a bug: names are never empty).
    Scope(ScopeError),
}

impl AgentError {
    /// The `error.type` of the failure.
    pub fn error_type(&self) -> String {
        match self {
            Self::Model(e) => e.error_type(),
            Self::TooManyModelCalls(_) => "max_model_calls_exceeded".into(),
            Self::Scope(_) => "internal".into(),
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
            Self::Scope(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AgentError {}

impl From<ScopeError> for AgentError {
    fn from(e: ScopeError) -> Self {
        Self::Scope(e)
    }
}

/// Runs turns: owns the model, the tools and the telemetry they report to.
#[derive(Clone)]
pub struct Agent {
    model: Arc<dyn ChatModel>,
    tools: ToolRegistry,
    telemetry: Telemetry,
    instruments: Instruments,
    max_model_calls: usize,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("model", &self.model.model_name())
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent over `model` and `tools`, allowing `max_model_calls` model calls per turn.
    pub fn new(
        model: Arc<dyn ChatModel>,
        tools: ToolRegistry,
        telemetry: Telemetry,
        instruments: Instruments,
        max_model_calls: usize,
    ) -> Self {
        Self {
            model,
            tools,
            telemetry,
            instruments,
            max_model_calls: max_model_calls.max(1),
        }
    }

    /// Runs one turn of session `session_id` for agent `agent`, inside an
    /// `invoke_agent {agent}` scope (INTERNAL: the agent runs in-process).
    ///
    /// # Errors
    /// [`AgentError`]; the session should then be left unchanged.
    pub async fn run_turn(
        &self,
        session_id: &str,
        agent: &str,
        history: &[ChatMessage],
        user_message: &str,
    ) -> Result<TurnOutcome, AgentError> {
        let attributes = [
            Attribute::new(GEN_AI_OPERATION_NAME, OPERATION_INVOKE_AGENT),
            Attribute::new(GEN_AI_PROVIDER_NAME, self.model.provider_name().to_owned()),
            Attribute::new(GEN_AI_AGENT_NAME, agent.to_owned()),
            Attribute::new(GEN_AI_REQUEST_MODEL, self.model.model_name().to_owned()),
            Attribute::new(GEN_AI_CONVERSATION_ID, session_id.to_owned()),
        ];
        let scope = self.telemetry.correlator.open_scope(
            ScopeOptions::new(format!("{OPERATION_INVOKE_AGENT} {agent}")).attributes(&attributes),
        )?;
        let context = scope.context().clone();
        let result = context
            .clone()
            .wrap(self.turn_loop(agent, history, user_message))
            .await;
        let logger = &self.telemetry.logger;
        context.in_scope(|| match &result {
            Ok(outcome) => {
                scope.set_attribute(GEN_AI_USAGE_INPUT_TOKENS, outcome.usage.input_tokens);
                scope.set_attribute(GEN_AI_USAGE_OUTPUT_TOKENS, outcome.usage.output_tokens);
                logger.info(
                    "agent turn finished",
                    &[
                        Attribute::new(GEN_AI_AGENT_NAME, agent.to_owned()),
                        Attribute::new("agent.model_calls", outcome.model_calls),
                        Attribute::new("agent.tool_calls", outcome.tool_calls.len()),
                        Attribute::new(GEN_AI_USAGE_INPUT_TOKENS, outcome.usage.input_tokens),
                        Attribute::new(GEN_AI_USAGE_OUTPUT_TOKENS, outcome.usage.output_tokens),
                    ],
                );
            }
            Err(e) => {
                scope.set_attribute(ERROR_TYPE, e.error_type());
                scope.record_error(&e.error_type(), &e.to_string());
                logger.error(
                    "agent turn failed",
                    &[
                        Attribute::new(ERROR_TYPE, e.error_type()),
                        Attribute::new("error.message", e.to_string()),
                    ],
                );
            }
        });
        result
    }

    async fn turn_loop(
        &self,
        agent: &str,
        history: &[ChatMessage],
        user_message: &str,
    ) -> Result<TurnOutcome, AgentError> {
        self.telemetry.logger.info(
            "agent turn started",
            &[
                Attribute::new(GEN_AI_AGENT_NAME, agent.to_owned()),
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
            let response = self.chat(&messages).await?;
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
                });
            }
            messages.push(ChatMessage::Assistant {
                content: response.content.clone(),
                tool_calls: response.tool_calls.clone(),
            });
            for record in self.run_tools(&response).await? {
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

    /// One model call in a `chat {model}` scope: CLIENT for a remote provider, INTERNAL for
    /// an in-process one. Records `gen_ai.client.token.usage` and
    /// `gen_ai.client.operation.duration`.
    async fn chat(&self, messages: &[ChatMessage]) -> Result<ChatResponse, AgentError> {
        let model = &self.model;
        let provider = model.provider_name().to_owned();
        let request_model = model.model_name().to_owned();
        let mut attributes = vec![
            Attribute::new(GEN_AI_OPERATION_NAME, OPERATION_CHAT),
            Attribute::new(GEN_AI_PROVIDER_NAME, provider.clone()),
            Attribute::new(GEN_AI_REQUEST_MODEL, request_model.clone()),
        ];
        let server = model.server();
        if let Some((host, port)) = &server {
            attributes.push(Attribute::new(SERVER_ADDRESS, host.clone()));
            attributes.push(Attribute::new(SERVER_PORT, i64::from(*port)));
        }
        let kind = if server.is_some() {
            SpanKind::Client
        } else {
            SpanKind::Internal
        };
        let scope = self.telemetry.correlator.open_scope(
            ScopeOptions::new(format!("{OPERATION_CHAT} {request_model}"))
                .kind(kind)
                .attributes(&attributes),
        )?;
        let request = ChatRequest {
            messages: messages.to_vec(),
            tools: self.tools.definitions(),
        };
        let started = Instant::now();
        let result = scope.context().clone().wrap(model.chat(request)).await;
        let elapsed = started.elapsed();
        let mut metric_attributes = vec![
            Attribute::new(GEN_AI_OPERATION_NAME, OPERATION_CHAT),
            Attribute::new(GEN_AI_PROVIDER_NAME, provider),
            Attribute::new(GEN_AI_REQUEST_MODEL, request_model),
        ];
        if let Some((host, port)) = &server {
            metric_attributes.push(Attribute::new(SERVER_ADDRESS, host.clone()));
            metric_attributes.push(Attribute::new(SERVER_PORT, i64::from(*port)));
        }
        let logger = &self.telemetry.logger;
        let _current = scope.enter();
        match &result {
            Ok(response) => {
                // Usage first, so an attribute-count limit cannot drop it.
                scope.set_attribute(GEN_AI_USAGE_INPUT_TOKENS, response.usage.input_tokens);
                scope.set_attribute(GEN_AI_USAGE_OUTPUT_TOKENS, response.usage.output_tokens);
                scope.set_attribute(GEN_AI_RESPONSE_MODEL, response.response_model.clone());
                scope.set_attribute(
                    GEN_AI_RESPONSE_FINISH_REASONS,
                    vec![response.finish_reason.clone()],
                );
                if let Some(id) = &response.response_id {
                    scope.set_attribute(GEN_AI_RESPONSE_ID, id.clone());
                }
                metric_attributes.push(Attribute::new(
                    GEN_AI_RESPONSE_MODEL,
                    response.response_model.clone(),
                ));
                let token = |kind: &'static str| {
                    let mut a = metric_attributes.clone();
                    a.push(Attribute::new(GEN_AI_TOKEN_TYPE, kind));
                    a
                };
                self.instruments
                    .token_usage
                    .record(response.usage.input_tokens as f64, &token("input"));
                self.instruments
                    .token_usage
                    .record(response.usage.output_tokens as f64, &token("output"));
                logger.info(
                    "model call finished",
                    &[
                        Attribute::new(
                            GEN_AI_RESPONSE_FINISH_REASONS,
                            response.finish_reason.clone(),
                        ),
                        Attribute::new(GEN_AI_USAGE_INPUT_TOKENS, response.usage.input_tokens),
                        Attribute::new(GEN_AI_USAGE_OUTPUT_TOKENS, response.usage.output_tokens),
                        Attribute::new("agent.tool_calls_requested", response.tool_calls.len()),
                    ],
                );
                // Reasoning is model content: only at debug level, which users opt into.
                if let Some(reasoning) = &response.reasoning {
                    if logger.enabled(telemetry_core::LogLevel::Debug) {
                        logger.debug(
                            "model reasoning",
                            &[Attribute::new(
                                "gen_ai.reasoning.content",
                                reasoning.clone(),
                            )],
                        );
                    }
                }
            }
            Err(e) => {
                scope.set_attribute(ERROR_TYPE, e.error_type());
                scope.record_error(&e.error_type(), &e.to_string());
                metric_attributes.push(Attribute::new(ERROR_TYPE, e.error_type()));
                logger.error(
                    "model call failed",
                    &[
                        Attribute::new(ERROR_TYPE, e.error_type()),
                        Attribute::new("error.message", e.to_string()),
                    ],
                );
            }
        }
        self.instruments
            .operation_duration
            .record_duration(elapsed, &metric_attributes);
        result.map_err(AgentError::Model)
    }

    /// Runs the response's tool calls concurrently (fan-out/fan-in).
    ///
    /// Every `execute_tool` scope is opened here, in the `invoke_agent` scope, before any
    /// tool starts; each then runs as its own task that ends its scope when it finishes. So
    /// every tool span is a child of `invoke_agent` and all of them are in flight together.
    async fn run_tools(&self, response: &ChatResponse) -> Result<Vec<ToolCallRecord>, AgentError> {
        let parent = Context::current();
        let mut scopes = Vec::with_capacity(response.tool_calls.len());
        for call in &response.tool_calls {
            let attributes = [
                Attribute::new(GEN_AI_OPERATION_NAME, OPERATION_EXECUTE_TOOL),
                Attribute::new(GEN_AI_TOOL_NAME, call.name.clone()),
                Attribute::new(GEN_AI_TOOL_CALL_ID, call.id.clone()),
                Attribute::new(GEN_AI_TOOL_TYPE, "function"),
            ];
            scopes.push(
                self.telemetry.correlator.open_scope(
                    ScopeOptions::new(format!("{OPERATION_EXECUTE_TOOL} {}", call.name))
                        .attributes(&attributes)
                        .child_of(&parent),
                )?,
            );
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (call, scope)) in response.tool_calls.iter().zip(scopes).enumerate() {
            let tool = self.tools.get(&call.name).cloned();
            let call = call.clone();
            let telemetry = self.telemetry.clone();
            let instruments = self.instruments.clone();
            tasks.spawn(async move {
                let started = Instant::now();
                let context = scope.context().clone();
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
                let result = match AssertUnwindSafe(context.clone().wrap(run))
                    .catch_unwind()
                    .await
                {
                    Ok(r) => r,
                    Err(_) => Err(ToolError::new("panic", format!("tool {:?} panicked", call.name))),
                };
                let outcome = if result.is_ok() { "success" } else { "error" };
                let mut metric_attributes = vec![
                    Attribute::new(GEN_AI_TOOL_NAME, call.name.clone()),
                    Attribute::new(TOOL_OUTCOME, outcome),
                ];
                let _current = scope.enter();
                match &result {
                    Ok(_) => telemetry.logger.info(
                        "tool finished",
                        &[Attribute::new(GEN_AI_TOOL_NAME, call.name.clone())],
                    ),
                    Err(e) => {
                        scope.set_attribute(ERROR_TYPE, e.error_type.clone());
                        scope.record_error(&e.error_type, &e.message);
                        metric_attributes.push(Attribute::new(ERROR_TYPE, e.error_type.clone()));
                        telemetry.logger.warning(
                            "tool failed",
                            &[
                                Attribute::new(GEN_AI_TOOL_NAME, call.name.clone()),
                                Attribute::new(ERROR_TYPE, e.error_type.clone()),
                                Attribute::new("error.message", e.message.clone()),
                            ],
                        );
                    }
                }
                instruments.tool_calls.add(1, &metric_attributes);
                instruments
                    .tool_duration
                    .record_duration(started.elapsed(), &metric_attributes);
                drop(_current);
                drop(scope);
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
                    self.telemetry.logger.error(
                        "tool task did not finish",
                        &[Attribute::new("error.message", e.to_string())],
                    );
                }
            }
        }
        Ok(records
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
            .collect())
    }
}
