//! The server side: [`HttpServerLayer`], a `tower` layer that makes every request a SERVER
//! root scope with the stable HTTP server conventions (semantic-conventions v1.41.0,
//! `docs/http/http-spans.md` *HTTP server span*, `docs/http/http-metrics.md`).

mod future;
mod request;
mod span_name;

use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use http::{HeaderName, Request, Response};
use telemetry_core::{
    Attribute, CorrelationId, Histogram, InstrumentDescriptor, ScopeOptions, SpanKind, Telemetry,
    UpDownCounter,
};
use tower_layer::Layer;
use tower_service::Service;

pub use future::{HandlerPanicked, ResponseFuture};
pub use request::HttpRoute;

use crate::headers::{HeaderCapture, HeaderExtractor};
use crate::method::KnownMethods;
use crate::semconv::{
    HTTP_DURATION_BUCKETS, HTTP_REQUEST_HEADER_PREFIX, HTTP_RESPONSE_HEADER_PREFIX,
    METRIC_HTTP_SERVER_ACTIVE_REQUESTS, METRIC_HTTP_SERVER_REQUEST_DURATION,
};
use request::{RequestFacts, RouteNames};

/// The default longest request path a log line quotes, in characters.
pub const DEFAULT_QUOTE_LIMIT: usize = 128;

/// The default response header that carries the request's correlation id.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// The request's correlation id, put into the request's extensions for handlers
/// (`Extension<RequestCorrelation>` in axum).
///
/// It is the request scope's correlation id (the trace id); with an implementation that
/// records no ids (NoOp) it is the caller's trace id from `traceparent`, or a fresh random
/// one, so a correlation id is always there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestCorrelation(pub CorrelationId);

/// Attributes a handler adds to the request's log line: put them in the response's
/// extensions (for example the reason a request was rejected).
#[derive(Clone, Debug, Default)]
pub struct RequestLogAttributes(pub Vec<Attribute>);

/// A `tower` [`Layer`] that traces every request through a [`Telemetry`] bundle, usable with
/// axum (`Router::layer`), hyper and tonic.
///
/// Per request:
/// - **A SERVER root scope** named `{method} {http.route}`, or `{method}` when no route is
///   known, `HTTP` standing for a method recorded as `_OTHER`. It continues an incoming
///   `traceparent`/`tracestate`/`baggage` through the correlator's
///   [`extract`](telemetry_core::ContextualCorrelator::extract), and is current while the
///   inner service runs (also across `.await`).
/// - **Attributes**: `http.request.method` (and `http.request.method_original` for an unknown
///   method), `url.path`, `url.query` (when there is one), `url.scheme`, `http.route`,
///   `server.address`, `server.port` (from `Host` or the URI authority), `client.address`
///   (from `Forwarded`/`X-Forwarded-For`, else the peer address axum's `ConnectInfo` gives),
///   `user_agent.original`, `network.protocol.version`, `http.response.status_code`, and
///   listed headers ([`capture_request_headers`](Self::capture_request_headers)).
/// - **Status**: a 5xx response fails the scope with `error.type` = the status code; a 4xx
///   does not (a server span's 4xx is the client's error). A panic in the inner service fails
///   it with `error.type = "panic"` and answers 500 (see [`HandlerPanicked`]). An inner
///   service error fails it with `error.type` = the error's type name. A request whose future
///   is dropped before the response (the client went away) ends the scope as cancelled, with
///   no status code and no `error.type` (not a server failure).
/// - **Metrics**: `http.server.request.duration` (histogram, seconds, the conventions'
///   buckets; method, scheme, status code, route, protocol version, `error.type`) and
///   `http.server.active_requests` (up-down counter, `{request}`; method, scheme). No ids and
///   no paths in metric attributes, so series stay few.
/// - **A response header** with the correlation id ([`CORRELATION_HEADER`] by default), and
///   [`RequestCorrelation`] and the scope's [`Context`](telemetry_core::Context) in the
///   request's extensions (for handlers that pass the request on to other tasks).
/// - **A log line** inside the scope when the response is ready: INFO for 1xx–3xx, WARNING
///   for 4xx, ERROR for 5xx, with method, path, status and `duration_s` (plus any
///   [`RequestLogAttributes`] the response carries); [`log_requests`](Self::log_requests)
///   turns it off.
///
/// The scope ends when the response head is ready, not when a streamed body finishes.
#[derive(Clone)]
pub struct HttpServerLayer {
    shared: Arc<Shared>,
}

#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) telemetry: Telemetry,
    pub(crate) known_methods: KnownMethods,
    pub(crate) scheme: &'static str,
    pub(crate) correlation_header: Option<HeaderName>,
    pub(crate) request_headers: HeaderCapture,
    pub(crate) response_headers: HeaderCapture,
    pub(crate) log_requests: bool,
    pub(crate) quote_limit: usize,
    pub(crate) duration: Histogram,
    pub(crate) active: UpDownCounter,
    pub(crate) routes: RouteNames,
}

impl HttpServerLayer {
    /// A layer reporting to `telemetry`, with the defaults: known methods from
    /// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` (else the conventions' list), scheme `http`,
    /// the `x-correlation-id` header, no header capture, request log lines on.
    pub fn new(telemetry: Telemetry) -> Self {
        let meter = &telemetry.meter;
        let duration = meter.histogram(
            &InstrumentDescriptor::new(METRIC_HTTP_SERVER_REQUEST_DURATION)
                .expect("a valid instrument name")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(HTTP_DURATION_BUCKETS)
                .expect("increasing boundaries"),
        );
        let active = meter.up_down_counter(
            &InstrumentDescriptor::new(METRIC_HTTP_SERVER_ACTIVE_REQUESTS)
                .expect("a valid instrument name")
                .with_unit("{request}")
                .with_description("Number of active HTTP server requests."),
        );
        Self {
            shared: Arc::new(Shared {
                telemetry,
                known_methods: KnownMethods::from_env(),
                scheme: "http",
                correlation_header: Some(HeaderName::from_static(CORRELATION_HEADER)),
                request_headers: HeaderCapture::default(),
                response_headers: HeaderCapture::default(),
                log_requests: true,
                quote_limit: DEFAULT_QUOTE_LIMIT,
                duration,
                active,
                routes: RouteNames::default(),
            }),
        }
    }

    fn with(mut self, f: impl FnOnce(&mut Shared)) -> Self {
        // Copy-on-write: services made from this layer before keep their settings.
        f(Arc::make_mut(&mut self.shared));
        self
    }

    /// The methods recorded as they are; others are `_OTHER`.
    pub fn known_methods(self, methods: KnownMethods) -> Self {
        self.with(|s| s.known_methods = methods)
    }

    /// `url.scheme` when the server terminates TLS itself (`https`); `http` by default.
    pub fn scheme(self, scheme: &'static str) -> Self {
        self.with(|s| s.scheme = scheme)
    }

    /// The response header carrying the correlation id, or `None` for no header.
    ///
    /// # Panics
    /// When `name` is not a valid header name.
    pub fn correlation_header(self, name: Option<&str>) -> Self {
        let name = name.map(|n| {
            HeaderName::from_bytes(n.as_bytes())
                .unwrap_or_else(|_| panic!("{n:?} is not a valid HTTP header name"))
        });
        self.with(|s| s.correlation_header = name)
    }

    /// Records these request headers as `http.request.header.<name>` (opt-in). Credential
    /// headers (`Authorization`, `Cookie`, … see
    /// [`NEVER_CAPTURED`](crate::headers::NEVER_CAPTURED)) are never recorded.
    pub fn capture_request_headers<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let capture = HeaderCapture::new(HTTP_REQUEST_HEADER_PREFIX, names);
        self.with(|s| s.request_headers = capture)
    }

    /// Records these response headers as `http.response.header.<name>` (opt-in), with the
    /// same exclusions.
    pub fn capture_response_headers<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let capture = HeaderCapture::new(HTTP_RESPONSE_HEADER_PREFIX, names);
        self.with(|s| s.response_headers = capture)
    }

    /// Whether each request writes a log line when its response is ready (on by default).
    pub fn log_requests(self, on: bool) -> Self {
        self.with(|s| s.log_requests = on)
    }

    /// The longest request path the log line quotes, in characters (default
    /// [`DEFAULT_QUOTE_LIMIT`]); a longer one is cut, with an ellipsis and its full length in
    /// bytes, so a hostile path cannot flood the logs. Span attributes keep the whole path
    /// (the implementation's attribute length limit applies there).
    pub fn quote_limit(self, chars: usize) -> Self {
        self.with(|s| s.quote_limit = chars)
    }
}

impl<S> Layer<S> for HttpServerLayer {
    type Service = HttpServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpServerService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`HttpServerLayer`] wraps around an inner service.
#[derive(Clone)]
pub struct HttpServerService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HttpServerService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let started = Instant::now();
        let shared = &*self.shared;
        let facts = RequestFacts::read(&req, shared);
        let remote = shared
            .telemetry
            .correlator
            .extract(&HeaderExtractor(req.headers()));
        let remote_trace = remote.as_ref().map(|r| r.trace_id);
        let name = span_name::span_name(&facts.method, facts.route.as_ref());
        let attributes = facts.span_attributes(&req, shared);
        let scope = shared.telemetry.correlator.open_scope(
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
        // For work the request hands on to other tasks (an MCP server's handler), which can
        // link back to this span.
        req.extensions_mut().insert(scope.context().clone());
        shared.active.add(1, &facts.active_attributes());
        // The inner service's synchronous part runs in the scope too.
        let inner = scope.context().in_scope(|| self.inner.call(req));
        ResponseFuture::new(
            inner,
            self.shared.clone(),
            scope,
            facts,
            correlation,
            started,
        )
    }
}
