//! The client side: [`McpClient`], an rmcp [`Peer<RoleClient>`] whose every request and
//! notification is a CLIENT span (or describes the current `execute_tool` span), with the
//! trace context in `params._meta` and `mcp.client.operation.duration`; and the session's
//! `mcp.client.session.duration`. The typed request helpers are in `typed.rs`.

mod handler;
mod typed;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CancelledNotification, CancelledNotificationParam, ClientNotification, ClientRequest, GetMeta,
    RequestId, ServerResult,
};
use rmcp::service::{ClientInitializeError, PeerRequestOptions, RunningService};
use rmcp::transport::IntoTransport;
use rmcp::{Peer, RoleClient, Service, ServiceError, ServiceExt};
use telemetry_core::{Attribute, Context, ScopeOptions, SpanKind, StringValue};
use telemetry_genai::ToolSpanSlot;

use crate::error_type::{Failure, TOOL_ERROR};
use crate::mcp::{Mcp, Operation, Side, operation_attributes};
use crate::meta::MetaInjector;
use crate::request::{self, Facts, result_error, tool_arguments};
use crate::semconv::{
    ERROR_TYPE, GEN_AI_TOOL_CALL_ARGUMENTS, GEN_AI_TOOL_CALL_RESULT, JSONRPC_REQUEST_ID,
    MCP_PROTOCOL_VERSION, MCP_SESSION_ID,
};
use crate::transport::TransportInfo;
use handler::InitializingHandler;

/// An rmcp client connection, traced. Cloning is cheap; all clones are one session.
///
/// Each call is a CLIENT span named `{mcp.method.name} {target}` (the tool or prompt name),
/// a child of the caller's current scope, carrying `mcp.method.name`, `jsonrpc.request.id`,
/// `mcp.protocol.version`, `gen_ai.tool.name` / `gen_ai.prompt.name`,
/// `gen_ai.operation.name` = `execute_tool` on `tools/call`, `mcp.resource.uri`, and the
/// [`TransportInfo`] (`network.transport`, `server.address`, `server.port`, …). Its
/// `traceparent`, `tracestate` and `baggage` go into the request's `params._meta`
/// (through the correlator's [`inject`](telemetry_core::ContextualCorrelator::inject), so an
/// OpenTelemetry bundle honours `OTEL_PROPAGATORS`).
///
/// A `tools/call` made while an `execute_tool` span is current describes that span instead
/// (see [`McpBuilder::merge_into_tool_spans`](crate::McpBuilder::merge_into_tool_spans)).
///
/// Outcomes: a JSON-RPC error sets `error.type` and `rpc.response.status_code` to its code
/// and the status description to its message; a `CallToolResult` with `isError` sets
/// `error.type` = `tool_error`; a timeout ([`with_timeout`](Self::with_timeout)) `timeout`;
/// see [`error_type`](crate::error_type) for the rest. A call whose future is dropped before
/// the answer sends `notifications/cancelled` (as rmcp's own helpers do) and ends its span as
/// cancelled.
#[derive(Clone)]
pub struct McpClient {
    session: Arc<Session>,
    timeout: Option<Duration>,
    session_id: Option<StringValue>,
}

impl std::fmt::Debug for McpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient")
            .field("transport", &self.session.transport)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// One client session: recorded into `mcp.client.session.duration` when its last handle
/// drops or it is [closed](McpClient::close).
struct Session {
    mcp: Mcp,
    peer: Peer<RoleClient>,
    transport: TransportInfo,
    started: Instant,
    /// The running rmcp service when [`McpClient::connect`] made it: owned here so the
    /// connection lives as long as the client; `None` once closed.
    running: Mutex<Option<Box<dyn Send>>>,
    ended: std::sync::atomic::AtomicBool,
}

impl Session {
    fn end(&self) {
        if self.ended.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        let mut attributes = Vec::with_capacity(6);
        self.transport.push_attributes(&mut attributes, true);
        if let Some(v) = protocol_version(&self.peer) {
            attributes.push(Attribute::new(MCP_PROTOCOL_VERSION, v));
        }
        // The server went away (or the connection broke) before the client closed it.
        if self.peer.is_transport_closed() {
            attributes.push(Attribute::new(ERROR_TYPE, "transport_closed"));
        }
        self.mcp
            .session_histogram(Side::Client)
            .record_duration(self.started.elapsed(), &attributes);
        drop(
            self.running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}

/// The version the handshake agreed, once it has.
fn protocol_version(peer: &Peer<RoleClient>) -> Option<StringValue> {
    peer.peer_info()
        .map(|info| request::protocol_version(&info.protocol_version))
}

impl Mcp {
    /// Traces calls through `peer`, a connection the caller made (and keeps running) over
    /// `transport`. The session's duration counts from here.
    pub fn client(&self, peer: Peer<RoleClient>, transport: TransportInfo) -> McpClient {
        McpClient::from_parts(self, peer, transport, None, Instant::now())
    }
}

impl McpClient {
    fn from_parts(
        mcp: &Mcp,
        peer: Peer<RoleClient>,
        transport: TransportInfo,
        running: Option<Box<dyn Send>>,
        started: Instant,
    ) -> Self {
        Self {
            session: Arc::new(Session {
                mcp: mcp.clone(),
                peer,
                transport,
                started,
                running: Mutex::new(running),
                ended: Default::default(),
            }),
            timeout: None,
            session_id: None,
        }
    }

    /// Connects `handler` (the client's own handler, `()` for none) over `transport` and
    /// traces the handshake as an `initialize` CLIENT span under the current scope. rmcp
    /// builds that request itself from the handler's `get_info`, so the handler is wrapped to
    /// add the span's trace context to the request's `_meta` (its `jsonrpc.request.id` is
    /// not known here). The client owns the running service:
    /// the connection closes when the last clone drops or on [`close`](Self::close).
    ///
    /// # Errors
    /// rmcp's [`ClientInitializeError`] when the handshake fails; the span then has
    /// `error.type` (the JSON-RPC code for an error response, else `initialize_failed`).
    pub async fn connect<S, T, E, A>(
        mcp: &Mcp,
        handler: S,
        transport: T,
        info: TransportInfo,
    ) -> Result<Self, ClientInitializeError>
    where
        S: Service<RoleClient>,
        T: IntoTransport<RoleClient, E, A>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let facts = request::method("initialize");
        let (attributes, metric) = operation_attributes(&facts, &info, Side::Client, None);
        let scope = mcp.telemetry().correlator.open_scope(
            ScopeOptions::new("initialize")
                .kind(SpanKind::Client)
                .attributes(&attributes),
        );
        let cx = scope.context().clone();
        let mut op = Operation::own(mcp, Side::Client, scope, metric);
        let handler = InitializingHandler {
            inner: handler,
            mcp: mcp.clone(),
            initialize: cx.clone(),
        };
        let served: Result<RunningService<RoleClient, InitializingHandler<S>>, _> =
            cx.wrap(handler.serve(transport)).await;
        match served {
            Ok(running) => {
                let peer = running.peer().clone();
                if let Some(v) = protocol_version(&peer) {
                    op.set(MCP_PROTOCOL_VERSION, v);
                }
                op.finish();
                Ok(Self::from_parts(
                    mcp,
                    peer,
                    info,
                    Some(Box::new(running)),
                    started,
                ))
            }
            Err(e) => {
                op.fail(&match &e {
                    ClientInitializeError::JsonRpcError(d) => Failure::json_rpc(d),
                    _ => Failure::new("initialize_failed", e.to_string()),
                });
                op.finish();
                Err(e)
            }
        }
    }

    /// Gives up on a request after `timeout` (the span gets `error.type` = `timeout`, and
    /// rmcp sends the server `notifications/cancelled`). Default: wait as long as it takes.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Records `mcp.session.id` on every span (the Streamable HTTP `Mcp-Session-Id`, when the
    /// caller knows it: rmcp's client transport does not hand it out).
    pub fn with_session_id(mut self, id: impl Into<StringValue>) -> Self {
        self.session_id = Some(id.into().into_shared());
        self
    }

    /// The underlying rmcp peer (calls through it are not traced).
    pub fn peer(&self) -> &Peer<RoleClient> {
        &self.session.peer
    }

    /// Ends the session: records `mcp.client.session.duration` and, for a client made by
    /// [`connect`](Self::connect), closes the connection. Later calls fail with
    /// `TransportClosed`.
    pub fn close(&self) {
        self.session.end();
    }

    /// Sends any client request as one traced operation and returns the server's answer;
    /// [`call_tool`](Self::call_tool), [`list_tools`](Self::list_tools) and the other typed
    /// helpers are this with the request built and the answer's type checked. The request's
    /// `params._meta` gets the span's `traceparent`, `tracestate` and `baggage` (replacing
    /// those members, keeping the others).
    ///
    /// # Errors
    /// rmcp's [`ServiceError`]: a JSON-RPC error response (`McpError`), no answer within
    /// [`with_timeout`](Self::with_timeout) (`Timeout`), a closed or failing transport
    /// (`TransportClosed`, `TransportSend`). The span's `error.type` for each is in
    /// [`error_type`](crate::error_type).
    pub async fn request(&self, mut request: ClientRequest) -> Result<ServerResult, ServiceError> {
        let s = &*self.session;
        let facts = Facts::of_request(&request);
        let mut op = self.open(&facts);
        if let Some(args) = tool_arguments(&request) {
            op.set_content(GEN_AI_TOOL_CALL_ARGUMENTS, args);
        }
        s.mcp.telemetry().correlator.inject(
            op.context(),
            &mut MetaInjector(&mut request.get_meta_mut().0.0),
        );
        let options = match self.timeout {
            Some(t) => PeerRequestOptions::with_timeout(t),
            None => PeerRequestOptions::no_options(),
        };
        let handle = match s.peer.send_request_with_option(request, options).await {
            Ok(h) => h,
            Err(e) => {
                op.fail(&Failure::of_service(&e));
                op.finish();
                return Err(e);
            }
        };
        op.set(JSONRPC_REQUEST_ID, handle.id.to_string());
        let mut pending = Pending {
            peer: s.peer.clone(),
            id: Some(handle.id.clone()),
            op: Some(op),
        };
        let result = handle.await_response().await;
        pending.id = None;
        let mut op = pending.op.take().expect("taken once");
        match &result {
            Ok(response) => {
                if let Some(text) = result_error(response) {
                    op.fail(&Failure::new(TOOL_ERROR, text));
                } else if let ServerResult::CallToolResult(r) = response {
                    op.set_content(GEN_AI_TOOL_CALL_RESULT, r);
                }
            }
            Err(e) => {
                op.fail(&Failure::of_service(e));
            }
        }
        op.finish();
        result
    }

    /// Any notification, traced as a CLIENT span (no request id, no response: it ends once
    /// the message is handed to the transport).
    ///
    /// # Errors
    /// rmcp's [`ServiceError`] when the transport is closed or fails to send.
    pub async fn notify(&self, mut notification: ClientNotification) -> Result<(), ServiceError> {
        let s = &*self.session;
        let facts = Facts::of_notification(&notification);
        let mut op = self.open(&facts);
        s.mcp.telemetry().correlator.inject(
            op.context(),
            &mut MetaInjector(&mut notification.get_meta_mut().0.0),
        );
        let result = s.peer.send_notification(notification).await;
        if let Err(e) = &result {
            op.fail(&Failure::of_service(e));
        }
        op.finish();
        result
    }

    /// Opens the operation: the current `execute_tool` span when it may describe it, else a
    /// CLIENT span under the current scope.
    fn open(&self, facts: &Facts) -> Operation {
        let s = &*self.session;
        let (mut attributes, metric) =
            operation_attributes(facts, &s.transport, Side::Client, protocol_version(&s.peer));
        if let Some(id) = &self.session_id {
            attributes.push(Attribute::new(MCP_SESSION_ID, id.clone()));
        }
        if facts.is_tool_call() && s.mcp.merge_tool_spans() {
            let current = Context::current();
            if let Some(slot) = current.extension::<ToolSpanSlot>()
                && slot.claim()
            {
                for a in attributes {
                    slot.set_attribute(a);
                }
                return Operation::on_tool_span(&s.mcp, current, metric);
            }
        }
        let scope = s.mcp.telemetry().correlator.open_scope(
            ScopeOptions::new(facts.span_name())
                .kind(SpanKind::Client)
                .attributes(&attributes),
        );
        Operation::own(&s.mcp, Side::Client, scope, metric)
    }
}

/// A request awaiting its answer. Dropped before the answer (the caller's future was
/// dropped), it tells the server with `notifications/cancelled`, as rmcp's own request
/// helpers do, and ends the span as cancelled.
struct Pending {
    peer: Peer<RoleClient>,
    id: Option<RequestId>,
    op: Option<Operation>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        if let Some(op) = self.op.take() {
            op.cancel();
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let peer = self.peer.clone();
        let cancelled: CancelledNotification =
            CancelledNotification::new(CancelledNotificationParam::new(
                Some(id),
                Some("request abandoned by the caller".into()),
            ));
        runtime.spawn(async move {
            let _ = peer.send_notification(cancelled.into()).await;
        });
    }
}
