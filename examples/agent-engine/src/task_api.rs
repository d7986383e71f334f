//! A small local task REST API in the style of Parallel's Task API, so `research_task` works
//! offline over real HTTP.
//!
//! - `POST /v1/tasks/runs` `{"input": "...", "processor": "core|base|ultra"}` →
//!   `200 {"run_id", "status": "queued", "processor", "created_at"}`.
//! - `GET /v1/tasks/runs/{run_id}` → `{"run_id", "status", "processor", "input", "output",
//!   "error"}` where status moves `queued` → `running` → `completed` as time passes
//!   (core 30 ms, base 80 ms, ultra 200 ms, times [`TaskApiConfig::time_scale`]).
//! - An input containing the word `impossible` ends `failed`, to exercise error paths.
//!
//! Errors use the same `{"error": "..."}` shape and statuses as the agent API. Runs are kept
//! in memory, the oldest dropped beyond [`TaskApiConfig::max_runs`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use telemetry_core::{Attribute, Telemetry};

use crate::api_error::{ApiError, MAX_BODY_BYTES, json_kind, json_object, panic_as_json};
use crate::tools::PROCESSORS;

/// Settings of the local task API.
#[derive(Clone, Copy, Debug)]
pub struct TaskApiConfig {
    /// Multiplies every processor's run time (1.0 = core 30 ms, base 80 ms, ultra 200 ms).
    pub time_scale: f64,
    /// Runs kept; the oldest are dropped beyond this.
    pub max_runs: usize,
}

impl Default for TaskApiConfig {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            max_runs: 10_000,
        }
    }
}

struct Run {
    input: String,
    processor: &'static str,
    created: Instant,
    created_at: SystemTime,
}

/// Runs by id, plus their ids oldest first for eviction.
#[derive(Default)]
struct Runs {
    by_id: HashMap<String, Run>,
    order: VecDeque<String>,
}

#[derive(Clone)]
struct TaskState {
    config: TaskApiConfig,
    runs: Arc<Mutex<Runs>>,
    telemetry: Telemetry,
}

/// The task API's router, traced with `telemetry`.
pub fn router(config: TaskApiConfig, telemetry: Telemetry) -> Router {
    let state = TaskState {
        config,
        runs: Arc::default(),
        telemetry: telemetry.clone(),
    };
    Router::new()
        .route("/v1/tasks/runs", post(create_run))
        .route("/v1/tasks/runs/{run_id}", get(get_run))
        .fallback(|| async { ApiError::not_found("no such endpoint: see /v1/tasks/runs") })
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(telemetry_http::HttpServerLayer::new(telemetry))
        .layer(axum::middleware::map_response(panic_as_json))
}

fn run_time(processor: &str, scale: f64) -> Duration {
    let base = match processor {
        "ultra" => 0.200,
        "base" => 0.080,
        _ => 0.030,
    };
    Duration::from_secs_f64((base * scale).max(0.0))
}

async fn create_run(
    State(state): State<TaskState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    const EXAMPLE: &str = r#"{"input": "rust observability", "processor": "core"}"#;
    let body = json_object(&headers, body, false, EXAMPLE)?;
    let input = match body.get("input") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | None => {
            return Err(ApiError::bad_request(format!(
                "missing or empty \"input\": expected a JSON object such as {EXAMPLE}"
            )));
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "\"input\" is {}: expected a string",
                json_kind(other)
            )));
        }
    };
    let processor = match body.get("processor") {
        None | Some(Value::Null) => "core",
        Some(Value::String(p)) => PROCESSORS
            .iter()
            .find(|known| **known == p.as_str())
            .copied()
            .ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "unknown processor {p:?}: expected one of core, base, ultra"
                ))
            })?,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "\"processor\" is {}: expected one of \"core\", \"base\", \"ultra\"",
                json_kind(other)
            )));
        }
    };
    let run_id = format!("trun_{:032x}", fastrand::u128(..));
    let created_at = SystemTime::now();
    {
        let mut guard = state.runs.lock().unwrap_or_else(|p| p.into_inner());
        let Runs { by_id, order } = &mut *guard;
        by_id.insert(
            run_id.clone(),
            Run {
                input,
                processor,
                created: Instant::now(),
                created_at,
            },
        );
        order.push_back(run_id.clone());
        while order.len() > state.config.max_runs {
            if let Some(old) = order.pop_front() {
                by_id.remove(&old);
            }
        }
    }
    state.telemetry.logger.info(
        "task run queued",
        &[
            Attribute::new("task_api.run_id", run_id.clone()),
            Attribute::new("task_api.processor", processor),
        ],
    );
    Ok(axum::Json(json!({
        "run_id": run_id,
        "status": "queued",
        "processor": processor,
        "created_at": humantime::format_rfc3339_millis(created_at).to_string(),
    }))
    .into_response())
}

async fn get_run(
    State(state): State<TaskState>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    let guard = state.runs.lock().unwrap_or_else(|p| p.into_inner());
    let run = guard
        .by_id
        .get(&run_id)
        .ok_or_else(|| ApiError::not_found(format!("unknown task run {run_id:?}")))?;
    let total = run_time(run.processor, state.config.time_scale);
    let elapsed = run.created.elapsed();
    let fails = run
        .input
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "impossible");
    let (status, output, error) = if elapsed >= total {
        if fails {
            (
                "failed",
                Value::Null,
                json!({"message": format!("the {} processor could not research {:?}", run.processor, run.input)}),
            )
        } else {
            let words = run.input.split_whitespace().count();
            (
                "completed",
                json!({
                    "type": "text",
                    "content": format!(
                        "Research summary for {:?} ({} processor): reviewed {} sources; the \
                         topic spans {} key term(s).",
                        run.input,
                        run.processor,
                        3 + words,
                        words
                    ),
                }),
                Value::Null,
            )
        }
    } else if elapsed >= total / 3 {
        ("running", Value::Null, Value::Null)
    } else {
        ("queued", Value::Null, Value::Null)
    };
    Ok(axum::Json(json!({
        "run_id": run_id,
        "status": status,
        "processor": run.processor,
        "input": run.input,
        "created_at": humantime::format_rfc3339_millis(run.created_at).to_string(),
        "output": output,
        "error": error,
    }))
    .into_response())
}
