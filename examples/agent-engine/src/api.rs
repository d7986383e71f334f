//! The agent HTTP API (axum, JSON).
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /v1/sessions` `{"agent": "<optional name>"}` | `201 {"id", "agent"}` |
//! | `POST /v1/sessions/{id}/messages` `{"content": "..."}` | `200 {"reply", "correlation_id", "usage", "tool_calls"}`; `usage.cost_usd` is the turn's cost in USD, `null` without a price |
//! | `GET /v1/sessions/{id}` | the session's messages and tool calls |
//! | `POST /v1/feedback` `{"correlation_id", "name", "score", "label", "explanation"}` | `202`: an evaluation of that turn (see [`feedback`](crate::feedback)) |
//! | `GET /healthz` | `{"status": "ok"}` |
//! | `GET /metrics` | Prometheus text (Basic telemetry only; 404 otherwise) |
//!
//! Errors are `{"error": "..."}`: 400 malformed JSON, missing or empty content, or an unknown
//! field (the body then also lists `accepted_fields`); 404 unknown or expired session, or
//! unknown route; 405 wrong method; 413 body over 1 MiB or `content` over
//! [`SessionLimits::max_message_bytes`](crate::SessionLimits); 415 non-JSON content type; 422
//! well-formed JSON with a wrong type or an invalid agent name; 502/504 when the model
//! provider fails or times out; 503 with `Retry-After` when the session store is full. Error
//! messages quote user input through [`quote`](crate::api_error::quote) (64 characters at most).
//!
//! A message's reply has `context`: `turns` (earlier turns the model saw), `dropped_turns`
//! (older turns dropped from the model's context by the history limits, since the session
//! began) and `dropped_now` (how many of them this message dropped).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use telemetry_core::{Attribute, Telemetry};
use telemetry_genai::attributes::{GEN_AI_AGENT_NAME, GEN_AI_CONVERSATION_ID};
use telemetry_http::{HttpServerLayer, RequestCorrelation};

use crate::agent::{Agent, AgentError};
use crate::api_error::{
    ApiError, MAX_BODY_BYTES, json_kind, json_object, known_fields, panic_as_json, quote,
};
use crate::feedback::{RecentTurns, post_feedback};
use crate::model::ModelError;
use crate::session::SessionStore;

/// Renders metrics in the Prometheus text format, for `GET /metrics`.
pub type PrometheusRender = Arc<dyn Fn() -> String + Send + Sync>;

/// Longest accepted agent name, in bytes.
pub const MAX_AGENT_NAME: usize = 64;

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The sessions.
    pub sessions: Arc<SessionStore>,
    /// The agent that runs turns.
    pub agent: Agent,
    /// Telemetry for logs.
    pub telemetry: Telemetry,
    /// `GET /metrics`, when the telemetry keeps metrics in memory.
    pub prometheus: Option<PrometheusRender>,
    /// The agent name of sessions created without one.
    pub default_agent: String,
    /// Recent turns' `invoke_agent` span contexts, for `POST /v1/feedback`.
    pub turns: Arc<RecentTurns>,
}

/// The API router with request tracing (`telemetry_http::HttpServerLayer`: a SERVER span per
/// request, HTTP metrics, `x-correlation-id`), the 1 MiB body limit and JSON fallbacks.
pub fn router(state: AppState) -> Router {
    // Request log lines quote the path like every error message quotes user input.
    let http = HttpServerLayer::new(state.telemetry.clone())
        .quote_limit(crate::api_error::QUOTE_MAX_CHARS);
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions/{id}", get(get_session))
        .route("/v1/sessions/{id}/messages", post(post_message))
        .route("/v1/feedback", post(post_feedback))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(|| async {
            ApiError::not_found("no such endpoint: see /v1/sessions and /healthz")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed for this endpoint",
            )
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(http)
        .layer(axum::middleware::map_response(panic_as_json))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.prometheus {
        Some(render) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            render(),
        )
            .into_response(),
        None => ApiError::not_found(
            "metrics are not kept in memory in this telemetry mode (with --open-telemetry they \
             are exported over OTLP); /metrics is served with Basic telemetry only",
        )
        .into_response(),
    }
}

/// `POST /v1/sessions` body; unknown members are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSession {
    #[serde(default)]
    agent: Option<Value>,
}
const CREATE_SESSION_FIELDS: &[&str] = &["agent"];

/// `POST /v1/sessions/{id}/messages` body; unknown members are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostMessage {
    #[serde(default)]
    content: Option<Value>,
}
const POST_MESSAGE_FIELDS: &[&str] = &["content"];

async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    const EXAMPLE: &str = r#"{"agent": "planner"}"#;
    let body: CreateSession = known_fields(
        json_object(&headers, body, true, EXAMPLE)?,
        CREATE_SESSION_FIELDS,
    )?;
    let agent = match body.agent {
        None | Some(Value::Null) => state.default_agent.clone(),
        Some(Value::String(name)) => {
            let valid = !name.is_empty()
                && name.len() <= MAX_AGENT_NAME
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !valid {
                return Err(ApiError::unprocessable(format!(
                    "invalid agent name {}: expected 1 to {MAX_AGENT_NAME} ASCII letters, \
                     digits, '_', '-' or '.'",
                    quote(&name)
                )));
            }
            name
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "\"agent\" is {}: expected a string such as \"planner\"",
                json_kind(&other)
            )));
        }
    };
    // Shared: the session, its spans and these log attributes all hold the same text.
    let agent: Arc<str> = agent.into();
    let id = state.sessions.create(agent.clone()).map_err(|full| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "session limit reached ({} sessions, --max-sessions): try again in {} s, when \
                 idle sessions expire",
                full.max_sessions,
                full.retry_after.as_secs()
            ),
        )
        .with_retry_after(full.retry_after)
    })?;
    state.telemetry.logger.info(
        "session created",
        &[
            Attribute::new(GEN_AI_CONVERSATION_ID, id.clone()),
            Attribute::new(GEN_AI_AGENT_NAME, agent.clone()),
        ],
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": &*id, "agent": &*agent})),
    )
        .into_response())
}

async fn get_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = state
        .sessions
        .get(&id)
        .ok_or_else(|| unknown_session(&id))?;
    let session = session.lock().await;
    Ok(Json(session.to_json()))
}

async fn post_message(
    State(state): State<AppState>,
    Extension(correlation): Extension<RequestCorrelation>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    const EXAMPLE: &str = r#"{"content": "what is 2 + 2?"}"#;
    // The session is checked first: a message to a session that does not exist is a 404
    // whatever its body.
    let session = state
        .sessions
        .get(&id)
        .ok_or_else(|| unknown_session(&id))?;
    let body: PostMessage = known_fields(
        json_object(&headers, body, false, EXAMPLE)?,
        POST_MESSAGE_FIELDS,
    )?;
    let limits = *state.sessions.limits();
    let content = match body.content {
        Some(Value::String(s)) if s.len() > limits.max_message_bytes => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "\"content\" is {} bytes: expected at most {} bytes (--max-message-bytes)",
                    s.len(),
                    limits.max_message_bytes
                ),
            ));
        }
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => {
            return Err(ApiError::bad_request(format!(
                "\"content\" is empty: expected a non-empty message such as {EXAMPLE}"
            )));
        }
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(format!(
                "missing \"content\": expected a JSON object such as {EXAMPLE}"
            )));
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "\"content\" is {}: expected a string",
                json_kind(&other)
            )));
        }
    };
    let mut session = session.lock().await;
    // Bound the model's context: earlier turns plus this message fit the history limits.
    let dropped_now = session.trim(
        limits.max_history_turns.saturating_sub(1),
        limits.max_history_bytes.saturating_sub(content.len()),
        0,
    );
    let turns_seen = session.turns();
    let (session_id, agent) = (session.id.clone(), session.agent.clone());
    let outcome = state
        .agent
        .run_turn(session_id, agent, &session.history, &content)
        .await
        .map_err(|e| {
            let status = match &e {
                AgentError::Model(ModelError::Timeout(_)) => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            };
            ApiError::new(status, e.to_string())
        })?;
    session.history.extend(outcome.new_messages);
    session
        .tool_calls
        .extend(outcome.tool_calls.iter().cloned());
    // And bound what is kept (the reply may be long); the newest turn always stays.
    let dropped_now =
        dropped_now + session.trim(limits.max_history_turns, limits.max_history_bytes, 1);
    let dropped_turns = session.dropped_turns;
    drop(session);
    let correlation_id = correlation.0.to_string();
    state
        .turns
        .remember(correlation_id.clone(), outcome.span.clone());
    Ok(Json(json!({
        "reply": outcome.reply,
        "correlation_id": correlation_id,
        "usage": {
            "input_tokens": outcome.usage.input_tokens,
            "output_tokens": outcome.usage.output_tokens,
            "cost_usd": outcome.cost_usd,
        },
        "tool_calls": outcome.tool_calls.iter().map(|c| json!({
            "id": c.id,
            "name": c.name,
            "arguments": c.arguments,
            "result": c.result,
            "error": c.error,
        })).collect::<Vec<_>>(),
        "context": {
            "turns": turns_seen,
            "dropped_turns": dropped_turns,
            "dropped_now": dropped_now,
        },
    }))
    .into_response())
}

fn unknown_session(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "unknown session {}: it never existed or expired after being idle",
        quote(id)
    ))
}
