//! The server side: [`TracedServer`], an rmcp [`Service<RoleServer>`] around the user's
//! handler that makes every request and notification a SERVER span (its parent the
//! client's span from `params._meta`), with `mcp.server.operation.duration` and the session's
//! `mcp.server.session.duration`.

use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use rmcp::model::{ClientNotification, ClientRequest, GetMeta, ServerConfig, ServerResult};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleServer, Service};
use telemetry_core::{Attribute, Context, ScopeOptions, SpanKind};

use crate::error_type::{Failure, TOOL_ERROR};
use crate::mcp::{Mcp, Operation, Side};
use crate::meta::MetaExtractor;
use crate::request::{Facts, result_error, tool_arguments};
use crate::semconv::{
    GEN_AI_TOOL_CALL_ARGUMENTS, GEN_AI_TOOL_CALL_RESULT, JSONRPC_REQUEST_ID, MCP_PROTOCOL_VERSION,
    MCP_SESSION_ID, NETWORK_PROTOCOL_VERSION,
};
use crate::transport::TransportInfo;

/// The Streamable HTTP session header (MCP 2025-06-18, *Transports › Session Management*).
const SESSION_HEADER: &str = "mcp-session-id";

/// An rmcp server handler, traced: give it to rmcp wherever the handler goes (`serve`,
/// `StreamableHttpService::new`'s factory). One value is one session.
///
/// Every request is a SERVER span named `{mcp.method.name} {target}`: its parent is the
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
    protocol_version: Option<String>,
    http_version: Option<&'static str>,
}

impl<S> std::fmt::Debug for TracedServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedServer")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Mcp {
    /// Traces `service` (any rmcp server handler) serving over `transport`.
    pub fn server<S: Service<RoleServer>>(
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
        protocol_version: Option<String>,
    ) -> Operation {
        let correlator = &self.mcp.telemetry().correlator;
        let mut attributes = Vec::with_capacity(12);
        facts.push_common(&mut attributes);
        let mut metric = attributes.clone();
        self.transport.push_attributes(&mut metric, false);
        facts.push_span_only(&mut attributes);
        self.transport.push_attributes(&mut attributes, false);
        if let Some(v) = &protocol_version {
            attributes.push(Attribute::new(MCP_PROTOCOL_VERSION, v.clone()));
            metric.push(Attribute::new(MCP_PROTOCOL_VERSION, v.clone()));
        }
        if let Some(id) = id {
            attributes.push(Attribute::new(JSONRPC_REQUEST_ID, id));
        }
        if let Some(parts) = parts {
            if let Some(v) = http_version(parts.version) {
                if self.transport.is_http() {
                    attributes.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
                    metric.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
                    self.session().http_version = Some(v);
                }
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
        options = match remote {
            Some(remote) => options.link(&ambient, &[]).remote_parent(Some(remote)),
            None if !ambient.is_none() => options.child_of(&ambient),
            None => options.root(),
        };
        Operation::own(
            &self.mcp,
            Side::Server,
            correlator.open_scope(options),
            metric,
        )
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

impl<S: Service<RoleServer>> Service<RoleServer> for TracedServer<S> {
    fn handle_request(
        &self,
        request: ClientRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ServerResult, ErrorData>> + Send + '_ {
        let facts = Facts::of_request(&request);
        let parts = context.extensions.get::<http::request::Parts>();
        let version = context
            .protocol_version()
            .map(|v| v.as_str().to_owned())
            .or_else(|| self.session().protocol_version.clone());
        let mut op = self.open(
            &facts,
            &context.meta.0.0,
            parts,
            Some(context.id.to_string()),
            version,
        );
        if let Some(args) = tool_arguments(&request) {
            op.set_content(GEN_AI_TOOL_CALL_ARGUMENTS, args);
        }
        let cx = op.context().clone();
        let cancelled = context.ct.clone();
        let handler = cx.wrap(self.inner.handle_request(request, context));
        async move {
            let mut handler = std::pin::pin!(handler);
            let mut op = Some(op);
            let result = tokio::select! {
                biased;
                r = &mut handler => r,
                () = cancelled.cancelled() => {
                    if let Some(op) = op.take() {
                        op.cancel();
                    }
                    handler.await
                }
            };
            if let Some(mut op) = op {
                match &result {
                    Ok(ServerResult::InitializeResult(r)) => {
                        let v = r.protocol_version.as_str().to_owned();
                        op.set(MCP_PROTOCOL_VERSION, v.clone());
                        self.session().protocol_version = Some(v);
                    }
                    Ok(response) => {
                        if let Some(text) = result_error(response) {
                            op.fail(&Failure::new(TOOL_ERROR, text));
                        } else if let ServerResult::CallToolResult(r) = response {
                            op.set_content(GEN_AI_TOOL_CALL_RESULT, r);
                        }
                    }
                    Err(e) => op.fail(&Failure::json_rpc(e)),
                }
                op.finish();
            }
            result
        }
    }

    fn handle_notification(
        &self,
        mut notification: ClientNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        let facts = Facts::of_notification(&notification);
        let parts = context.extensions.get::<http::request::Parts>();
        let version = self.session().protocol_version.clone();
        let meta = std::mem::take(&mut notification.get_meta_mut().0.0);
        let meta = if meta.is_empty() {
            context.meta.0.0.clone()
        } else {
            meta
        };
        let mut op = self.open(&facts, &meta, parts, None, version);
        let cx = op.context().clone();
        let handler = cx.wrap(self.inner.handle_notification(notification, context));
        async move {
            let result = handler.await;
            if let Err(e) = &result {
                op.fail(&Failure::json_rpc(e));
            }
            op.finish();
            result
        }
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn supported_protocol_versions(
        &self,
    ) -> std::borrow::Cow<'static, [rmcp::model::ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }
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
