//! The local trace view: recent traces recorded by a
//! [`Recorder`](telemetry_recorder::Recorder), served as pages and JSON.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /traces?status=ok\|error&min_duration=250ms` | HTML: recent traces, newest first (root name, start, duration, status, spans, tokens, cost, scores) |
//! | `GET /traces/{trace_id}` | HTML: the trace as a waterfall (each span's cost and evaluation scores at a glance); click a span for its attributes, evaluations and events |
//! | `GET /api/traces?status=&min_duration=` | `200 {"traces": [summary…], "stats": {…}}` |
//! | `GET /api/traces/{trace_id}` | `200` the trace (see [`telemetry_recorder::json::trace_json`]) |
//!
//! Under tail sampling ([`router_with`] given a [`SampledView`]) only traces the sampler kept
//! are listed and shown, and both the list page and `/api/traces` (`"sampling"`) say so.
//!
//! The pages are self-contained (inline CSS and JavaScript, no fonts, scripts or styles from
//! elsewhere), so they work offline. `serve` mounts these routes when the telemetry has a
//! recorder and [`ServerConfig::trace_view`](crate::ServerConfig::trace_view) is on; the
//! command line turns it on for a loopback address unless `--no-trace-view` is given. The
//! routes are not themselves traced, so looking does not fill the store. Message content
//! appears only where the spans carry it: with content capture on, redacted.

mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use telemetry_core::CorrelationId;
use telemetry_recorder::{Recorder, TraceSummary, json as trace_json};

use crate::api_error::ApiError;

/// The trace view's routes over `recorder`, every recorded trace shown.
pub fn router(recorder: Recorder) -> Router {
    router_with(recorder, None)
}

/// What the view shows under tail sampling: only traces `kept` says were kept, with `note`
/// saying so.
#[derive(Clone)]
pub struct SampledView {
    /// One line for the reader, e.g. "tail sampling on: only kept traces are shown …".
    pub note: String,
    /// Whether the sampler kept a trace (`false` also for one not decided yet).
    pub kept: Arc<dyn Fn(CorrelationId) -> bool + Send + Sync>,
}

impl std::fmt::Debug for SampledView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampledView")
            .field("note", &self.note)
            .finish()
    }
}

#[derive(Clone)]
struct View {
    recorder: Recorder,
    sampled: Option<SampledView>,
}

impl View {
    fn shown(&self, id: CorrelationId) -> bool {
        self.sampled.as_ref().is_none_or(|s| (s.kept)(id))
    }
}

/// The trace view's routes over `recorder`; with `sampled`, only kept traces.
pub fn router_with(recorder: Recorder, sampled: Option<SampledView>) -> Router {
    Router::new()
        .route("/traces", get(list_page))
        .route("/traces/{trace_id}", get(trace_page))
        .route("/api/traces", get(list_json))
        .route("/api/traces/{trace_id}", get(trace_json_route))
        .with_state(View { recorder, sampled })
}

/// The list's filters, from the query string.
#[derive(Debug, Default, Deserialize)]
struct Filter {
    /// `ok` or `error`.
    status: Option<String>,
    /// A duration such as `250ms` or `1.5s`.
    min_duration: Option<String>,
}

struct Parsed {
    error: Option<bool>,
    min: Duration,
}

impl Filter {
    fn parse(&self) -> Result<Parsed, ApiError> {
        let error = match self.status.as_deref().map(str::trim) {
            None | Some("" | "any") => None,
            Some("ok") => Some(false),
            Some("error") => Some(true),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "invalid status {other:?}: expected ok, error or any"
                )));
            }
        };
        let min = match self.min_duration.as_deref().map(str::trim) {
            None | Some("") => Duration::ZERO,
            Some(s) => humantime::parse_duration(s).map_err(|e| {
                ApiError::bad_request(format!(
                    "invalid min_duration {s:?}: expected a duration such as 250ms or 1.5s ({e})"
                ))
            })?,
        };
        Ok(Parsed { error, min })
    }
}

fn filtered(view: &View, f: &Parsed) -> Vec<TraceSummary> {
    view.recorder
        .summaries()
        .into_iter()
        .filter(|s| f.error.is_none_or(|e| s.error == e) && s.duration >= f.min)
        .filter(|s| view.shown(s.trace_id))
        .collect()
}

fn trace_id(raw: &str) -> Result<CorrelationId, ApiError> {
    CorrelationId::parse(raw).map_err(|e| ApiError::bad_request(format!("invalid trace id: {e}")))
}

fn find(view: &View, raw: &str) -> Result<telemetry_recorder::RecordedTrace, ApiError> {
    let id = trace_id(raw)?;
    if !view.shown(id) {
        return Err(ApiError::not_found(format!(
            "trace {raw} was not kept by tail sampling (or is not decided yet): only kept \
             traces are shown"
        )));
    }
    view.recorder.trace(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no trace {raw} held: it was never recorded here or was evicted (see /api/traces)"
        ))
    })
}

async fn list_json(
    State(view): State<View>,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let parsed = filter.parse()?;
    let traces: Vec<Value> = filtered(&view, &parsed)
        .iter()
        .map(trace_json::summary_json)
        .collect();
    let stats = view.recorder.stats();
    let sampling = match &view.sampled {
        Some(s) => json!({ "kept_only": true, "note": s.note }),
        None => json!({ "kept_only": false }),
    };
    Ok(axum::Json(json!({
        "traces": traces,
        "sampling": sampling,
        "stats": {
            "traces": stats.traces,
            "bytes": stats.bytes,
            "evicted_traces": stats.evicted_traces,
            "dropped": stats.dropped,
        },
    }))
    .into_response())
}

async fn trace_json_route(
    State(view): State<View>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    Ok(axum::Json(trace_json::trace_json(&find(&view, &raw)?)).into_response())
}

async fn list_page(State(view): State<View>, Query(filter): Query<Filter>) -> Response {
    let note = view.sampled.as_ref().map(|s| s.note.as_str());
    match filter.parse() {
        Ok(parsed) => {
            let traces = filtered(&view, &parsed);
            html(
                StatusCode::OK,
                pages::list(&traces, &filter_values(&filter), None, note),
            )
        }
        Err(e) => html(
            StatusCode::BAD_REQUEST,
            pages::list(&[], &filter_values(&filter), Some(&e.message), note),
        ),
    }
}

fn filter_values(f: &Filter) -> (String, String) {
    (
        f.status.clone().unwrap_or_default(),
        f.min_duration.clone().unwrap_or_default(),
    )
}

async fn trace_page(State(view): State<View>, Path(raw): Path<String>) -> Response {
    match find(&view, &raw) {
        Ok(trace) => html(
            StatusCode::OK,
            pages::waterfall(&trace_json::trace_json(&trace)),
        ),
        Err(e) => html(e.status, pages::message("Trace not found", &e.message)),
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Html(body),
    )
        .into_response()
}
