//! The server side: [`TracedServer`], an rmcp `ServerHandler` around the user's handler that
//! makes every request and notification it handles a SERVER span (its parent the client's
//! span from `params._meta`), with `mcp.server.operation.duration` and the session's
//! `mcp.server.session.duration`. The delegating `ServerHandler` impl is in `handler.rs`,
//! what each kind of answer says about the outcome in `answer.rs`.

mod answer;
mod handler;

use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use rmcp::model::JsonObject;
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use telemetry_core::{Attribute, Context, ScopeOptions, SpanKind, StringValue};

use crate::error_type::{Failure, TOOL_ERROR};
use crate::mcp::{Mcp, Operation, Side, operation_attributes};
use crate::meta::MetaExtractor;
use crate::request::{self, Facts};
use crate::semconv::{
    GEN_AI_TOOL_CALL_ARGUMENTS, GEN_AI_TOOL_CALL_RESULT, JSONRPC_REQUEST_ID, MCP_PROTOCOL_VERSION,
    MCP_SESSION_ID, NETWORK_PROTOCOL_VERSION,
};
use crate::transport::TransportInfo;
use answer::Answer;

/// The Streamable HTTP session header (MCP 2025-06-18, *Transports › Session Management*).
const SESSION_HEADER: &str = "mcp-session-id";

/// An rmcp server handler, traced: give it to rmcp wherever the handler goes (`serve` over
/// stdio or an in-process stream, `StreamableHttpService::new`'s factory). One value is one
/// session.
///
/// It is itself a `ServerHandler` (so rmcp's Streamable HTTP server, which takes only
/// those, accepts it), delegating every method of rmcp 3.11's `ServerHandler` to the
/// wrapped handler. Every request and notification method is traced: a SERVER span named `{mcp.method.name} {target}`: its parent is the
/// context in the request's `params._meta` (`traceparent`, `tracestate`, with the
/// `baggage` there inherited by every scope under it), or the ambient context when `_meta`
/// has none; with both, it links the ambient context (semantic-conventions v1.41.0,
/// `docs/gen-ai/mcp.md`, *Context propagation*). The ambient context is the current scope
/// when the handler is called, else the [`Context`] an HTTP layer left in the HTTP
/// request's extensions (telemetry-http's `HttpServerLayer` does), which rmcp's Streamable
/// HTTP server hands on. The handler runs with the span current, so its own scopes and log
/// calls nest under it.
///
/// Attributes: `mcp.method.name`, `jsonrpc.request.id`, `mcp.protocol.version`,
/// `mcp.session.id` (Streamable HTTP), `gen_ai.tool.name` / `gen_ai.prompt.name`,
/// `gen_ai.operation.name`, `mcp.resource.uri`, `network.*`; `error.type` and
/// `rpc.response.status_code` from an error the handler returns, `tool_error` for a
/// `CallToolResult` with `isError`. A request the client cancels (its timeout, or its
/// caller gave up) ends the span as cancelled at that moment; the handler itself runs on
/// untouched, since telemetry does not change what the program does.
pub struct TracedServer<S> {
    inner: S,
    mcp: Mcp,
    transport: TransportInfo,
    session: Mutex<SessionState>,
}

#[derive(Debug)]
struct SessionState {
    started: Instant,
    /// The protocol version `initialize` agreed, once it has: only an initialized session
    /// records its duration (a stateless HTTP request makes a handler without one).
    protocol_version: Option<StringValue>,
    http_version: Option<&'static str>,
    /// The `initialize` SERVER span: the parent of `notifications/initialized`, which rmcp
    /// sends without trace context, so the handshake is one trace.
    initialize: Context,
}

impl<S> std::fmt::Debug for TracedServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedServer")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Mcp {
    /// Traces `service` (any rmcp `ServerHandler`: a tool router, a hand-written handler)
    /// serving over `transport`.
    pub fn server<S: ServerHandler>(
        &self,
        service: S,
        transport: TransportInfo,
    ) -> TracedServer<S> {
        TracedServer {
            inner: service,
            mcp: self.clone(),
            transport,
            session: Mutex::new(SessionState {
                started: Instant::now(),
                protocol_version: None,
                http_version: None,
                initialize: Context::none(),
            }),
        }
    }
}

impl<S> TracedServer<S> {
    /// The handler inside.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn session(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the SERVER span of a message whose `_meta` is `meta`, received over the HTTP
    /// request `parts` (Streamable HTTP only).
    fn open(
        &self,
        facts: &Facts,
        meta: &rmcp::model::JsonObject,
        parts: Option<&http::request::Parts>,
        id: Option<String>,
        protocol_version: Option<StringValue>,
        // The parent when `_meta` names none (`notifications/initialized`: the session's
        // `initialize`); the ambient context is then linked.
        fallback_parent: Option<Context>,
    ) -> Operation {
        let correlator = &self.mcp.telemetry().correlator;
        let (mut attributes, mut metric) =
            operation_attributes(facts, &self.transport, Side::Server, protocol_version);
        if let Some(id) = id {
            attributes.push(Attribute::new(JSONRPC_REQUEST_ID, id));
        }
        if let Some(parts) = parts {
            if let Some(v) = http_version(parts.version)
                && self.transport.is_http()
            {
                attributes.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
                metric.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
                self.session().http_version = Some(v);
            }
            if let Some(id) = parts
                .headers
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                attributes.push(Attribute::new(MCP_SESSION_ID, id.to_owned()));
            }
        }
        let ambient = Some(Context::current())
            .filter(|c| !c.is_none())
            .or_else(|| parts.and_then(|p| p.extensions.get::<Context>()).cloned())
            .unwrap_or_default();
        let remote = correlator.extract(&MetaExtractor(meta));
        let mut options = ScopeOptions::new(facts.span_name())
            .kind(SpanKind::Server)
            .attributes(&attributes);
        options = match (remote, fallback_parent.filter(|p| !p.is_none())) {
            (Some(remote), _) => options.link(&ambient, &[]).remote_parent(Some(remote)),
            (None, Some(parent)) => options.link(&ambient, &[]).child_of(&parent),
            (None, None) if !ambient.is_none() => options.child_of(&ambient),
            (None, None) => options.root(),
        };
        Operation::own(
            &self.mcp,
            Side::Server,
            correlator.open_scope(options),
            metric,
        )
    }
}

impl<S: ServerHandler> TracedServer<S> {
    /// Opens the SERVER span of a request; `arguments` are a tool call's, for opt-in content.
    fn open_request(
        &self,
        facts: &Facts,
        context: &RequestContext<RoleServer>,
        arguments: Option<&JsonObject>,
    ) -> Operation {
        let version = context
            .protocol_version()
            .map(|v| request::protocol_version(&v))
            .or_else(|| self.session().protocol_version.clone());
        let mut op = self.open(
            facts,
            &context.meta.0.0,
            context.extensions.get::<http::request::Parts>(),
            Some(context.id.to_string()),
            version,
            None,
        );
        if facts.method == "initialize" {
            self.session().initialize = op.context().clone();
        }
        if let Some(args) = arguments {
            op.set_content(GEN_AI_TOOL_CALL_ARGUMENTS, args);
        }
        op
    }

    /// Runs the handler's future with the span current and records its outcome. A request
    /// the client cancels ends the span then, as cancelled; the handler runs on untouched.
    fn run<'a, T, F>(
        &'a self,
        mut op: Operation,
        context: RequestContext<RoleServer>,
        call: impl FnOnce(RequestContext<RoleServer>) -> F,
    ) -> impl Future<Output = Result<T, ErrorData>> + Send + 'a
    where
        T: Answer + Send + 'a,
        F: Future<Output = Result<T, ErrorData>> + Send + 'a,
    {
        let cancelled = context.ct.clone();
        let handler = op.context().clone().wrap(call(context));
        async move {
            let mut handler = std::pin::pin!(handler);
            let result = tokio::select! {
                biased;
                r = &mut handler => r,
                () = cancelled.cancelled() => {
                    op.cancel();
                    return handler.await;
                }
            };
            match &result {
                Ok(answer) => {
                    if let Some(v) = answer.protocol_version() {
                        let v = request::protocol_version(v);
                        op.set(MCP_PROTOCOL_VERSION, v.clone());
                        self.session().protocol_version = Some(v);
                    }
                    if let Some(text) = answer.tool_error() {
                        op.fail(&Failure::new(TOOL_ERROR, text));
                    } else if let Some(r) = answer.tool_result() {
                        op.set_content(GEN_AI_TOOL_CALL_RESULT, r);
                    }
                }
                Err(e) => op.fail(&Failure::json_rpc(e)),
            }
            op.finish();
            result
        }
    }

    /// Runs a notification handler in its SERVER span.
    fn notified<'a, F>(
        &'a self,
        facts: Facts,
        context: NotificationContext<RoleServer>,
        call: impl FnOnce(NotificationContext<RoleServer>) -> F,
    ) -> impl Future<Output = ()> + Send + 'a
    where
        F: Future<Output = ()> + Send + 'a,
    {
        let (version, initialize) = {
            let s = self.session();
            (s.protocol_version.clone(), s.initialize.clone())
        };
        let fallback = (facts.method == "notifications/initialized").then_some(initialize);
        let op = self.open(
            &facts,
            &context.meta.0.0,
            context.extensions.get::<http::request::Parts>(),
            None,
            version,
            fallback,
        );
        let handler = op.context().clone().wrap(call(context));
        async move {
            handler.await;
            op.finish();
        }
    }
}

fn http_version(v: http::Version) -> Option<&'static str> {
    Some(match v {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => return None,
    })
}

impl<S> Drop for TracedServer<S> {
    fn drop(&mut self) {
        let s = self.session();
        let Some(version) = s.protocol_version.clone() else {
            return;
        };
        let mut attributes = Vec::with_capacity(5);
        self.transport.push_attributes(&mut attributes, false);
        if let Some(v) = s.http_version {
            attributes.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
        }
        attributes.push(Attribute::new(MCP_PROTOCOL_VERSION, version));
        self.mcp
            .session_histogram(Side::Server)
            .record_duration(s.started.elapsed(), &attributes);
    }
}
