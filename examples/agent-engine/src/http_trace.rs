//! Request tracing middleware: one SERVER root scope per request, continuing an incoming
//! `traceparent`, with the HTTP server semantic conventions (stable, `docs/http/`).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use telemetry_core::{Attribute, CorrelationId, ScopeOptions, SpanKind, Telemetry};

use crate::api_error::{ApiError, ErrorReason};
use crate::instruments::Instruments;
use crate::propagation::HeaderExtractor;
use crate::semconv::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, URL_PATH, URL_SCHEME,
    USER_AGENT_ORIGINAL,
};

/// The response header that carries the request's correlation id (the trace id).
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// The request's correlation id, put into request extensions for handlers.
///
/// It is the root scope's id; with NoOp telemetry (no ids) it is the caller's trace id, or a
/// fresh random one, so the API contract holds in every mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestCorrelation(pub CorrelationId);

/// What the middleware needs: telemetry and its instruments.
#[derive(Clone)]
pub struct HttpTelemetry {
    /// The telemetry bundle.
    pub telemetry: Telemetry,
    /// The instruments (for `http.server.request.duration`).
    pub instruments: Instruments,
    routes: RouteNames,
}

impl HttpTelemetry {
    /// The middleware's state for `telemetry` and its `instruments`.
    pub fn new(telemetry: Telemetry, instruments: Instruments) -> Self {
        Self {
            telemetry,
            instruments,
            routes: RouteNames::default(),
        }
    }
}

/// The router's route templates as shared strings, so that every request's span, metric and
/// log attributes share one copy of `http.route` instead of copying it. Bounded: a
/// `MatchedPath` is always one of the router's few templates, so a list scan is enough.
#[derive(Clone, Default)]
struct RouteNames(Arc<RwLock<Vec<Arc<str>>>>);

impl RouteNames {
    fn get(&self, route: &str) -> Arc<str> {
        let find = |routes: &[Arc<str>]| routes.iter().find(|r| ***r == *route).cloned();
        let known = find(&self.0.read().unwrap_or_else(|p| p.into_inner()));
        known.unwrap_or_else(|| {
            let mut routes = self.0.write().unwrap_or_else(|p| p.into_inner());
            find(&routes).unwrap_or_else(|| {
                let shared: Arc<str> = route.into();
                routes.push(shared.clone());
                shared
            })
        })
    }
}

/// The method as the conventions want it: known methods as-is, anything else `_OTHER`.
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

/// Wraps every request in a SERVER root scope named `{method} {route}` (just `{method}`
/// when no route matched, as the conventions say), records `http.server.request.duration`,
/// logs the outcome, sets `x-correlation-id`, and turns a handler panic into a JSON 500.
pub async fn trace_requests(
    State(t): State<HttpTelemetry>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_name(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| t.routes.get(m.as_str()));
    // Shared: the span, its scope and the log call each hold it.
    let path: Arc<str> = req.uri().path().into();
    let remote = t
        .telemetry
        .correlator
        .extract(&HeaderExtractor(req.headers()));
    let remote_trace = remote.as_ref().map(|r| r.trace_id);
    let name = match &route {
        Some(r) => format!("{method} {r}"),
        None => method.to_owned(),
    };
    let mut attributes = vec![
        Attribute::new(HTTP_REQUEST_METHOD, method),
        Attribute::new(URL_PATH, path.clone()),
        Attribute::new(URL_SCHEME, "http"),
    ];
    if let Some(r) = &route {
        attributes.push(Attribute::new(HTTP_ROUTE, r.clone()));
    }
    if let Some(ua) = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(Attribute::new(USER_AGENT_ORIGINAL, ua.to_owned()));
    }
    let scope = t.telemetry.correlator.open_scope(
        ScopeOptions::new(name)
            .kind(SpanKind::Server)
            .attributes(&attributes)
            .remote_parent(remote),
    );
    let correlation = scope
        .correlation_id()
        .or(remote_trace)
        .unwrap_or_else(CorrelationId::random);
    req.extensions_mut().insert(RequestCorrelation(correlation));

    let context = scope.context().clone();
    let outcome = AssertUnwindSafe(context.clone().wrap(next.run(req)))
        .catch_unwind()
        .await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            scope.record_error("panic", &what);
            context.in_scope(|| {
                t.telemetry
                    .logger
                    .critical("handler panicked", &[Attribute::new("panic.message", what)]);
            });
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the handler failed; the failure was logged",
            )
            .into_response()
        }
    };
    let status = response.status().as_u16();
    scope.set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status));
    let mut metric_attributes = vec![
        Attribute::new(HTTP_REQUEST_METHOD, method),
        Attribute::new(URL_SCHEME, "http"),
        Attribute::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)),
    ];
    if let Some(r) = &route {
        metric_attributes.push(Attribute::new(HTTP_ROUTE, r.clone()));
    }
    // Server spans: only 5xx are errors (HTTP conventions, *Status*).
    if status >= 500 {
        scope.set_attribute(ERROR_TYPE, status.to_string());
        scope.record_error(&status.to_string(), "server error response");
        metric_attributes.push(Attribute::new(ERROR_TYPE, status.to_string()));
    }
    let elapsed = started.elapsed();
    t.instruments
        .http_server_duration
        .record_duration(elapsed, &metric_attributes);
    context.in_scope(|| {
        let mut attrs = vec![
            Attribute::new(HTTP_REQUEST_METHOD, method),
            // Quoted user input in a log line: cut like every error message.
            Attribute::new(URL_PATH, crate::api_error::shorten(&path).into_owned()),
            Attribute::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)),
            Attribute::new("duration_s", elapsed.as_secs_f64()),
        ];
        // Why it was rejected or failed: the message the client got.
        if let Some(reason) = response.extensions().get::<ErrorReason>() {
            attrs.push(Attribute::new("error.message", reason.0.clone()));
        }
        let logger = &t.telemetry.logger;
        if status >= 500 {
            logger.error("request failed", &attrs);
        } else if status >= 400 {
            logger.warning("request rejected", &attrs);
        } else {
            logger.info("request handled", &attrs);
        }
    });
    if let Ok(v) = HeaderValue::from_str(&correlation.to_string()) {
        response.headers_mut().insert(CORRELATION_HEADER, v);
    }
    drop(scope);
    response
}
