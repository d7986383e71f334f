//! User feedback on a turn: `POST /v1/feedback` records a `gen_ai.evaluation.result` event
//! (semantic-conventions v1.41.0, `model/gen-ai/events.yaml`) on that turn's `invoke_agent`
//! span, which has ended by then: the engine remembers the span contexts of recent turns by
//! the `correlation_id` their reply carried, at most [`MAX_REMEMBERED_TURNS`], oldest
//! forgotten first.
//!
//! | body member | required | accepted |
//! | --- | --- | --- |
//! | `correlation_id` | yes | the `correlation_id` of a recent reply (else 404) |
//! | `name` | yes | `gen_ai.evaluation.name`: 1 to [`MAX_NAME_BYTES`] bytes, not blank |
//! | `score` | yes | `gen_ai.evaluation.score.value`: a number |
//! | `label` | no | `gen_ai.evaluation.score.label`: at most [`MAX_NAME_BYTES`] bytes |
//! | `explanation` | no | `gen_ai.evaluation.explanation`: at most `--max-message-bytes` (else 413) |
//!
//! Answers `202 {"status": "accepted", "correlation_id", "span_id"}`; errors as every route's
//! (`{"error": ...}`): 400 for a missing member, malformed JSON or an unknown member, 422 for a
//! member of the wrong type or an empty or overlong name or label, 413 for an explanation over
//! the message limit, 503 when the log level is above INFO (evaluations are INFO events, so
//! they would be dropped).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use telemetry_core::Context;

use crate::api::AppState;
use crate::api_error::{ApiError, json_kind, json_object, known_fields, quote};

/// Turns whose span contexts are kept for feedback. A context holds the span's ids and its
/// attributes (small unless message content is captured on spans).
pub const MAX_REMEMBERED_TURNS: usize = 1024;
/// Longest `name` and `label`, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// The span contexts of recent turns by correlation id, bounded.
#[derive(Default)]
pub struct RecentTurns {
    inner: Mutex<(HashMap<String, Context>, VecDeque<String>)>,
}

impl RecentTurns {
    /// Remembers the turn answered with `correlation_id`, forgetting the oldest past
    /// [`MAX_REMEMBERED_TURNS`].
    pub fn remember(&self, correlation_id: String, span: Context) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (by_id, order) = &mut *g;
        if by_id.insert(correlation_id.clone(), span).is_none() {
            order.push_back(correlation_id);
        }
        while order.len() > MAX_REMEMBERED_TURNS {
            if let Some(old) = order.pop_front() {
                by_id.remove(&old);
            }
        }
    }

    /// The span context of the turn answered with `correlation_id`, if remembered.
    pub fn get(&self, correlation_id: &str) -> Option<Context> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0.get(correlation_id).cloned()
    }

    /// How many turns are remembered.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1.len()
    }

    /// Whether no turn is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostFeedback {
    #[serde(default)]
    correlation_id: Option<Value>,
    #[serde(default)]
    name: Option<Value>,
    #[serde(default)]
    score: Option<Value>,
    #[serde(default)]
    label: Option<Value>,
    #[serde(default)]
    explanation: Option<Value>,
}
const FIELDS: &[&str] = &["correlation_id", "name", "score", "label", "explanation"];
const EXAMPLE: &str = r#"{"correlation_id": "4bf92f3577b34da6a3ce929d0e0e4736", "name": "user_feedback", "score": 1, "label": "thumbs_up"}"#;

/// A required string member.
fn required_string(member: &str, v: Option<Value>) -> Result<String, ApiError> {
    match v {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(ApiError::bad_request(format!(
            "missing {member:?}: expected a JSON object such as {EXAMPLE}"
        ))),
        Some(other) => Err(ApiError::unprocessable(format!(
            "{member:?} is {}: expected a string",
            json_kind(&other)
        ))),
    }
}

/// An optional string member.
fn optional_string(member: &str, v: Option<Value>) -> Result<Option<String>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::unprocessable(format!(
            "{member:?} is {}: expected a string",
            json_kind(&other)
        ))),
    }
}

fn short_name(member: &str, s: &str) -> Result<(), ApiError> {
    if s.trim().is_empty() {
        return Err(ApiError::unprocessable(format!(
            "{member:?} is empty: expected 1 to {MAX_NAME_BYTES} bytes such as \"user_feedback\""
        )));
    }
    if s.len() > MAX_NAME_BYTES {
        return Err(ApiError::unprocessable(format!(
            "{member:?} is {} bytes: expected at most {MAX_NAME_BYTES}",
            s.len()
        )));
    }
    Ok(())
}

/// `POST /v1/feedback`.
pub(crate) async fn post_feedback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: PostFeedback = known_fields(json_object(&headers, body, false, EXAMPLE)?, FIELDS)?;
    let correlation_id = required_string("correlation_id", body.correlation_id)?;
    let name = required_string("name", body.name)?;
    short_name("name", &name)?;
    let score = match body.score {
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()).ok_or_else(|| {
            ApiError::unprocessable(format!("\"score\" {n} is not a finite number"))
        })?,
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(format!(
                "missing \"score\": expected a number, as in {EXAMPLE}"
            )));
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "\"score\" is {}: expected a number such as 1 or 0.5",
                json_kind(&other)
            )));
        }
    };
    let label = optional_string("label", body.label)?;
    if let Some(l) = &label {
        short_name("label", l)?;
    }
    let explanation = optional_string("explanation", body.explanation)?;
    let max = state.sessions.limits().max_message_bytes;
    if let Some(e) = explanation.as_ref().filter(|e| e.len() > max) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "\"explanation\" is {} bytes: expected at most {max} bytes (--max-message-bytes)",
                e.len()
            ),
        ));
    }
    let span = state.turns.get(correlation_id.trim()).ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown correlation_id {}: expected the correlation_id of one of the last \
             {MAX_REMEMBERED_TURNS} replies",
            quote(&correlation_id)
        ))
    })?;
    let mut evaluation = state.agent.genai().evaluation(name).score(score);
    if let Some(l) = label {
        evaluation = evaluation.label(l);
    }
    if let Some(e) = explanation {
        evaluation = evaluation.explanation(e);
    }
    // The input was checked above; what is left is a logger off at INFO.
    evaluation.record(&span).map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}: start the engine with --log-level info (or lower) to keep feedback"),
        )
    })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "status": "accepted",
            "correlation_id": correlation_id.trim(),
            "span_id": span.span_id().map(|s| s.to_string()),
        })),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_turns_are_forgotten_past_the_bound() {
        let turns = RecentTurns::default();
        for i in 0..=MAX_REMEMBERED_TURNS {
            turns.remember(format!("{i:032x}"), Context::none());
        }
        assert_eq!(turns.len(), MAX_REMEMBERED_TURNS);
        assert!(turns.get(&format!("{:032x}", 0)).is_none());
        assert!(turns.get(&format!("{:032x}", 1)).is_some());
        assert!(turns.get(&format!("{MAX_REMEMBERED_TURNS:032x}")).is_some());
        // Remembering a known id again does not count twice.
        turns.remember(format!("{:032x}", 1), Context::none());
        assert_eq!(turns.len(), MAX_REMEMBERED_TURNS);
    }
}
