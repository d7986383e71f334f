//! The client side: [`HttpClientMiddleware`], `reqwest-middleware` middleware that makes every
//! request a CLIENT scope with the stable HTTP client conventions (semantic-conventions
//! v1.41.0, `docs/http/http-spans.md` *HTTP client span*, `docs/http/http-metrics.md`).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};
use telemetry_core::{
    Attribute, Histogram, InstrumentDescriptor, Scope, ScopeEnd, ScopeOptions, SpanKind, Telemetry,
};

use crate::headers::HeaderInjector;
use crate::method::{KnownMethods, span_name_method};
use crate::semconv::{
    ERROR_TYPE, HTTP_DURATION_BUCKETS, HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL,
    HTTP_REQUEST_RESEND_COUNT, HTTP_RESPONSE_STATUS_CODE, METRIC_HTTP_CLIENT_REQUEST_DURATION,
    SERVER_ADDRESS, SERVER_PORT, URL_FULL, URL_TEMPLATE,
};
use crate::url::{SENSITIVE_QUERY_KEYS, redact_url};

/// The low-cardinality template of a request's path (`url.template`), which also names the
/// span (`{method} {url.template}`). Attach it per request:
/// `client.get(url).with_extension(UrlTemplate::new("/v1/tasks/{id}"))`. Without it the span
/// is named `{method}`: a raw path would make span names unbounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlTemplate(pub Cow<'static, str>);

impl UrlTemplate {
    /// The template `t`, for example `/v1/tasks/{id}`.
    pub fn new(t: impl Into<Cow<'static, str>>) -> Self {
        Self(t.into())
    }
}

/// Attributes of the caller's own to add to a request's CLIENT span when it starts (a job id,
/// a tenant): `client.get(url).with_extension(ClientSpanAttributes(vec![...]))`.
#[derive(Clone, Debug, Default)]
pub struct ClientSpanAttributes(pub Vec<Attribute>);

/// How many times this request was sent already, kept in the request's middleware
/// extensions, which a retry middleware hands to every attempt.
#[derive(Clone, Copy, Debug)]
struct Sent(i64);

/// `reqwest-middleware` middleware that traces every request through a [`Telemetry`] bundle.
///
/// Per request (per attempt, when a retry middleware is stacked before it):
/// - **A CLIENT scope**, child of the current scope, named `{method} {url.template}` (see
///   [`UrlTemplate`]) or `{method}`, `HTTP` standing for a method recorded as `_OTHER`. The
///   scope is injected into the request as `traceparent` (+ `tracestate`, `baggage`) through
///   the correlator's [`inject`](telemetry_core::ContextualCorrelator::inject), so the
///   callee's server span is its child.
/// - **Attributes**: `http.request.method` (+ `http.request.method_original`), `server.address`,
///   `server.port`, `url.full` (credentials and the values of
///   [`SENSITIVE_QUERY_KEYS`] redacted), `url.template`, `http.request.resend_count` (1 for the
///   first resend, absent on the first attempt), `http.response.status_code` whenever a
///   response was received.
/// - **Status**: a 4xx or 5xx response fails the scope with `error.type` = the status code; a
///   transport error fails it with `error.type` one of `timeout`, `connect`, `redirect`,
///   `body`, `decode`, `request`, or `_OTHER`. A request the caller dropped before it finished
///   ends the scope as cancelled, not as an error.
/// - **Metric**: `http.client.request.duration` (histogram, seconds, the conventions' buckets;
///   method, server address and port, status code, `error.type`).
///
/// ```no_run
/// # async fn demo(telemetry: telemetry_core::Telemetry, http: reqwest::Client) -> Result<(), reqwest_middleware::Error> {
/// use telemetry_http::{HttpClientMiddleware, UrlTemplate};
///
/// let client = reqwest_middleware::ClientBuilder::new(http)
///     .with(HttpClientMiddleware::new(telemetry))
///     .build();
/// let response = client
///     .get("http://127.0.0.1:8080/v1/tasks/42")
///     .with_extension(UrlTemplate::new("/v1/tasks/{id}"))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClientMiddleware {
    shared: Arc<Shared>,
}

#[derive(Clone)]
struct Shared {
    telemetry: Telemetry,
    known_methods: KnownMethods,
    sensitive_query_keys: Vec<Cow<'static, str>>,
    duration: Histogram,
}

impl HttpClientMiddleware {
    /// Middleware reporting to `telemetry`: known methods from
    /// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` (else the conventions' list), the default
    /// sensitive query keys.
    pub fn new(telemetry: Telemetry) -> Self {
        let duration = telemetry.meter.histogram(
            &InstrumentDescriptor::new(METRIC_HTTP_CLIENT_REQUEST_DURATION)
                .expect("a valid instrument name")
                .with_unit("s")
                .with_description("Duration of HTTP client requests.")
                .with_boundaries(HTTP_DURATION_BUCKETS)
                .expect("increasing boundaries"),
        );
        Self {
            shared: Arc::new(Shared {
                telemetry,
                known_methods: KnownMethods::from_env(),
                sensitive_query_keys: SENSITIVE_QUERY_KEYS
                    .iter()
                    .map(|k| Cow::Borrowed(*k))
                    .collect(),
                duration,
            }),
        }
    }

    /// The methods recorded as they are; others are `_OTHER`.
    pub fn known_methods(mut self, methods: KnownMethods) -> Self {
        Arc::make_mut(&mut self.shared).known_methods = methods;
        self
    }

    /// Also redacts the values of these query keys in `url.full` (case-sensitive), in
    /// addition to [`SENSITIVE_QUERY_KEYS`].
    pub fn redact_query_keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        Arc::make_mut(&mut self.shared)
            .sensitive_query_keys
            .extend(keys.into_iter().map(Into::into));
        self
    }
}

/// Ends the scope as cancelled unless the request finished: the caller dropped the future.
struct CancelOnDrop(Option<Scope>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(scope) = self.0.take() {
            scope.end_as(ScopeEnd::Cancelled);
        }
    }
}

fn transport_error_type(e: &reqwest_middleware::Error) -> &'static str {
    match e {
        reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
        reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
        reqwest_middleware::Error::Reqwest(e) if e.is_redirect() => "redirect",
        reqwest_middleware::Error::Reqwest(e) if e.is_body() => "body",
        reqwest_middleware::Error::Reqwest(e) if e.is_decode() => "decode",
        reqwest_middleware::Error::Reqwest(e) if e.is_request() => "request",
        _ => "_OTHER",
    }
}

#[async_trait::async_trait]
impl Middleware for HttpClientMiddleware {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let shared = &*self.shared;
        let resend = match extensions.get_mut::<Sent>() {
            Some(sent) => {
                sent.0 += 1;
                Some(sent.0)
            }
            None => {
                extensions.insert(Sent(0));
                None
            }
        };
        let (method, original) = shared.known_methods.classify(req.method());
        let url = req.url();
        let host: Option<Arc<str>> = url.host_str().map(Arc::from);
        let port = url.port_or_known_default();
        let template = extensions.get::<UrlTemplate>().map(|t| t.0.clone());
        let name = match &template {
            Some(t) => format!("{} {t}", span_name_method(&method)),
            None => span_name_method(&method).to_owned(),
        };
        let mut attributes = Vec::with_capacity(8);
        attributes.push(Attribute::new(HTTP_REQUEST_METHOD, method.clone()));
        if let Some(o) = original {
            attributes.push(Attribute::new(HTTP_REQUEST_METHOD_ORIGINAL, o));
        }
        if let Some(h) = &host {
            attributes.push(Attribute::new(SERVER_ADDRESS, h.clone()));
        }
        if let Some(p) = port {
            attributes.push(Attribute::new(SERVER_PORT, i64::from(p)));
        }
        attributes.push(Attribute::new(
            URL_FULL,
            redact_url(url.as_str(), &shared.sensitive_query_keys),
        ));
        if let Some(t) = template {
            attributes.push(Attribute::new(URL_TEMPLATE, t));
        }
        if let Some(n) = resend {
            attributes.push(Attribute::new(HTTP_REQUEST_RESEND_COUNT, n));
        }
        if let Some(extra) = extensions.get::<ClientSpanAttributes>() {
            attributes.extend(extra.0.iter().cloned());
        }
        let scope = shared.telemetry.correlator.open_scope(
            ScopeOptions::new(name)
                .kind(SpanKind::Client)
                .attributes(&attributes),
        );
        shared
            .telemetry
            .correlator
            .inject(scope.context(), &mut HeaderInjector(req.headers_mut()));
        let context = scope.context().clone();
        let mut guard = CancelOnDrop(Some(scope));
        let started = Instant::now();
        let result = context.wrap(next.run(req, extensions)).await;
        let elapsed = started.elapsed();
        let scope = guard.0.take().expect("taken once");

        let mut metric_attributes = Vec::with_capacity(5);
        metric_attributes.push(Attribute::new(HTTP_REQUEST_METHOD, method));
        if let Some(h) = host {
            metric_attributes.push(Attribute::new(SERVER_ADDRESS, h));
        }
        if let Some(p) = port {
            metric_attributes.push(Attribute::new(SERVER_PORT, i64::from(p)));
        }
        let error_type: Option<Cow<'static, str>> = match &result {
            Ok(response) => {
                let status = response.status().as_u16();
                scope.set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status));
                metric_attributes
                    .push(Attribute::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
                // Client spans: 4xx and 5xx fail the span (docs/http/http-spans.md, *Status*).
                (status >= 400).then(|| Cow::Owned(status.to_string()))
            }
            Err(e) => {
                let ty = transport_error_type(e);
                scope.record_error(ty, &e.to_string());
                Some(Cow::Borrowed(ty))
            }
        };
        if let Some(ty) = &error_type {
            scope.set_attribute(ERROR_TYPE, ty.clone().into_owned());
            if result.is_ok() {
                scope.record_error(ty, "");
            }
            metric_attributes.push(Attribute::new(ERROR_TYPE, ty.clone().into_owned()));
        }
        shared.duration.record_duration(elapsed, &metric_attributes);
        drop(scope);
        result
    }
}
