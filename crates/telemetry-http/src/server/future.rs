//! The response future: polls the inner service's future with the request scope current,
//! catches a panic, and ends the scope by how the request ended.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use http::{HeaderValue, Response, StatusCode};
use smallvec::SmallVec;
use telemetry_core::{Attribute, CorrelationId, LogLevel, Scope, ScopeEnd};

use super::request::RequestFacts;
use super::{RequestLogAttributes, Shared};
use crate::semconv::{ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, URL_PATH};

/// Put into the extensions of the 500 response the layer answers when the inner service
/// panicked, with the panic message. The body is `ResBody::default()` (empty); an outer
/// layer that wants another body (a JSON error, say) can look for this marker.
#[derive(Clone, Debug)]
pub struct HandlerPanicked(pub String);

pin_project_lite::pin_project! {
    /// The future of [`HttpServerService`](super::HttpServerService).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        state: Option<InFlight>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before the response was ready: the client went away (or a timeout
            // layer above gave up).
            if let Some(in_flight) = this.project().state.take() {
                in_flight.cancelled();
            }
        }
    }
}

pub(crate) struct InFlight {
    shared: Arc<Shared>,
    scope: Scope,
    facts: RequestFacts,
    correlation: CorrelationId,
    started: Instant,
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(
        inner: F,
        shared: Arc<Shared>,
        scope: Scope,
        facts: RequestFacts,
        correlation: CorrelationId,
        started: Instant,
    ) -> Self {
        Self {
            inner,
            state: Some(InFlight {
                shared,
                scope,
                facts,
                correlation,
                started,
            }),
        }
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(in_flight) = this.state.as_ref() else {
            panic!("ResponseFuture polled after it completed");
        };
        let polled = {
            let _current = in_flight.scope.context().attach();
            catch_unwind(AssertUnwindSafe(|| this.inner.as_mut().poll(cx)))
        };
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(outcome)) => outcome,
            Err(panic) => {
                let in_flight = this.state.take().expect("checked above");
                return Poll::Ready(Ok(in_flight.panicked(panic.as_ref())));
            }
        };
        let in_flight = this.state.take().expect("checked above");
        Poll::Ready(match outcome {
            Ok(response) => Ok(in_flight.responded(response)),
            Err(e) => {
                in_flight.failed(std::any::type_name::<E>());
                Err(e)
            }
        })
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

impl InFlight {
    /// A response: status code, 5xx as a failure, metrics, log line, correlation header.
    fn responded<B>(self, mut response: Response<B>) -> Response<B> {
        let status = response.status().as_u16();
        let shared = &*self.shared;
        self.scope
            .set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status));
        let mut headers = Vec::new();
        shared
            .response_headers
            .record(response.headers(), &mut headers);
        for a in headers {
            self.scope.set_attribute(a.key, a.value);
        }
        // Server spans: 5xx fails the span, 4xx does not (docs/http/http-spans.md, *Status*);
        // no status description, the status code says it.
        let error_type = (status >= 500).then(|| status.to_string());
        if let Some(e) = &error_type {
            self.scope.set_attribute(ERROR_TYPE, e.clone());
            self.scope.record_error(e, "");
        }
        let extra = response
            .extensions()
            .get::<RequestLogAttributes>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        self.set_correlation_header(&mut response);
        self.finish(Some(status), error_type, extra);
        response
    }

    fn set_correlation_header<B>(&self, response: &mut Response<B>) {
        if let Some(name) = &self.shared.correlation_header {
            if let Ok(v) = HeaderValue::from_str(&self.correlation.to_hex()) {
                response.headers_mut().insert(name.clone(), v);
            }
        }
    }

    /// The inner service panicked: ERROR with `error.type = "panic"`, answered 500.
    fn panicked<B: Default>(self, panic: &(dyn Any + Send)) -> Response<B> {
        let message = panic_message(panic);
        self.scope.set_attribute(ERROR_TYPE, "panic");
        self.scope.record_error("panic", &message);
        let mut response = Response::new(B::default());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
            .extensions_mut()
            .insert(HandlerPanicked(message.clone()));
        self.scope.set_attribute(HTTP_RESPONSE_STATUS_CODE, 500_i64);
        self.set_correlation_header(&mut response);
        let extra = vec![Attribute::new("panic.message", message)];
        self.finish(Some(500), Some("panic".to_owned()), extra);
        response
    }

    /// The inner service returned an error instead of a response (hyper then closes the
    /// connection): ERROR with `error.type` = the error's type name.
    fn failed(self, error_type: &str) {
        self.scope.set_attribute(ERROR_TYPE, error_type.to_owned());
        self.scope.record_error(
            error_type,
            "the service returned an error instead of a response",
        );
        self.finish(None, Some(error_type.to_owned()), Vec::new());
    }

    /// Dropped before a response: the scope ends as cancelled, not as completed. Neither a
    /// status code (none was sent) nor `error.type` (not the server's failure).
    fn cancelled(self) {
        let Self {
            shared,
            scope,
            facts,
            started,
            ..
        } = self;
        record_metrics(&shared, &facts, started, None, None);
        shared.active.add(-1, &facts.active_attributes());
        if shared.log_requests {
            scope.context().in_scope(|| {
                shared.telemetry.logger.log(
                    LogLevel::Info,
                    "request cancelled: the client went away before the response",
                    &[
                        Attribute::new(URL_PATH, quote(&facts.path, shared.quote_limit)),
                        Attribute::new("duration_s", started.elapsed().as_secs_f64()),
                    ],
                );
            });
        }
        scope.end_as(ScopeEnd::Cancelled);
    }

    /// Metrics and the log line; the scope ends when `self` drops, after this.
    fn finish(self, status: Option<u16>, error_type: Option<String>, extra: Vec<Attribute>) {
        let shared = &*self.shared;
        let elapsed = record_metrics(shared, &self.facts, self.started, status, error_type);
        shared.active.add(-1, &self.facts.active_attributes());
        if !shared.log_requests {
            return;
        }
        let level = match status {
            Some(s) if s < 400 => LogLevel::Info,
            Some(s) if s < 500 => LogLevel::Warning,
            _ => LogLevel::Error,
        };
        let message = match level {
            LogLevel::Info => "request handled",
            LogLevel::Warning => "request rejected",
            _ => "request failed",
        };
        let mut attributes: SmallVec<[Attribute; 6]> = SmallVec::with_capacity(4 + extra.len());
        attributes.push(Attribute::new(
            crate::semconv::HTTP_REQUEST_METHOD,
            self.facts.method.clone(),
        ));
        attributes.push(Attribute::new(
            URL_PATH,
            quote(&self.facts.path, shared.quote_limit),
        ));
        if let Some(s) = status {
            attributes.push(Attribute::new(HTTP_RESPONSE_STATUS_CODE, i64::from(s)));
        }
        attributes.push(Attribute::new("duration_s", elapsed));
        attributes.extend(extra);
        self.scope
            .context()
            .in_scope(|| shared.telemetry.logger.log(level, message, &attributes));
    }
}

/// `text` as a log line quotes it: whole up to `limit` characters, else the first `limit`, an
/// ellipsis and the full length.
fn quote(text: &Arc<str>, limit: usize) -> telemetry_core::AttributeValue {
    match text.char_indices().nth(limit) {
        None => text.clone().into(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()).into(),
    }
}

/// Records `http.server.request.duration`; returns the duration in seconds.
fn record_metrics(
    shared: &Shared,
    facts: &RequestFacts,
    started: Instant,
    status: Option<u16>,
    error_type: Option<String>,
) -> f64 {
    let elapsed = started.elapsed();
    let mut attributes = facts.metric_attributes();
    if let Some(s) = status {
        attributes.push(Attribute::new(HTTP_RESPONSE_STATUS_CODE, i64::from(s)));
    }
    if let Some(e) = error_type {
        attributes.push(Attribute::new(ERROR_TYPE, e));
    }
    shared.duration.record_duration(elapsed, &attributes);
    elapsed.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_cut_in_log_lines_with_their_length() {
        let short: Arc<str> = "/v1/x".into();
        assert_eq!(quote(&short, 8).as_str(), Some("/v1/x"));
        let long: Arc<str> = format!("/{}", "é".repeat(100)).into();
        let q = quote(&long, 5);
        assert_eq!(q.as_str(), Some("/éééé… (201 bytes)"));
    }
}
