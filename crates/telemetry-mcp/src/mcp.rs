//! [`Mcp`]: the instrumentation's shared state (the GenAI layer it captures content with, the
//! four histograms, the options), and [`Operation`]: one request or notification being
//! traced, on its own span or on the enclosing `execute_tool` span.

use std::sync::Arc;
use std::time::Instant;

use telemetry_core::{
    Attribute, AttributeValue, Context, Histogram, InstrumentDescriptor, Key, Scope, ScopeEnd,
    StringValue, Telemetry,
};
use telemetry_genai::{GenAi, ToolSpanSlot};

use crate::error_type::Failure;
use crate::request::Facts;
use crate::semconv::{
    CONTENT_TRUNCATED, ERROR_TYPE, MCP_DURATION_BUCKETS, MCP_PROTOCOL_VERSION,
    METRIC_CLIENT_OPERATION_DURATION, METRIC_CLIENT_SESSION_DURATION,
    METRIC_SERVER_OPERATION_DURATION, METRIC_SERVER_SESSION_DURATION, RPC_RESPONSE_STATUS_CODE,
};
use crate::transport::TransportInfo;

/// The MCP instrumentation over a [`GenAi`] layer (and through it a
/// [`Telemetry`] bundle): build one at start-up, then wrap clients
/// ([`McpClient`](crate::McpClient)) and servers ([`TracedServer`](crate::TracedServer)) with
/// it. Cloning is one `Arc` increment.
///
/// Tool arguments and results are captured exactly when the GenAI layer captures content on
/// spans (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` = `SPAN_ONLY` or
/// `SPAN_AND_EVENT`), redacted by its redactor and cut to its size limit.
#[derive(Clone)]
pub struct Mcp {
    inner: Arc<Inner>,
}

struct Inner {
    genai: GenAi,
    merge_tool_spans: bool,
    client_operation: Histogram,
    server_operation: Histogram,
    client_session: Histogram,
    server_session: Histogram,
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("merge_tool_spans", &self.inner.merge_tool_spans)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Mcp`] with non-default options.
#[derive(Debug)]
#[must_use = "call build()"]
pub struct McpBuilder {
    genai: GenAi,
    merge_tool_spans: bool,
}

impl McpBuilder {
    /// Whether a `tools/call` made while an `execute_tool` span is current puts its client
    /// attributes on that span instead of opening a CLIENT span (default `true`, the
    /// conventions' SHOULD). `false` always opens the CLIENT span, under the `execute_tool`
    /// span: two spans for one call, but a CLIENT span that service graphs pair with the
    /// server's SERVER span.
    pub fn merge_into_tool_spans(mut self, merge: bool) -> Self {
        self.merge_tool_spans = merge;
        self
    }

    /// Creates the four histograms and returns the instrumentation.
    pub fn build(self) -> Mcp {
        let meter = &self.genai.telemetry().meter;
        let histogram = |name: &'static str, description: &'static str| {
            meter.histogram(
                &InstrumentDescriptor::new(name)
                    .expect("a valid instrument name")
                    .with_unit("s")
                    .with_description(description)
                    .with_boundaries(MCP_DURATION_BUCKETS)
                    .expect("increasing boundaries"),
            )
        };
        Mcp {
            inner: Arc::new(Inner {
                client_operation: histogram(
                    METRIC_CLIENT_OPERATION_DURATION,
                    "The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received.",
                ),
                server_operation: histogram(
                    METRIC_SERVER_OPERATION_DURATION,
                    "MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.",
                ),
                client_session: histogram(
                    METRIC_CLIENT_SESSION_DURATION,
                    "The duration of the MCP session as observed on the MCP client.",
                ),
                server_session: histogram(
                    METRIC_SERVER_SESSION_DURATION,
                    "The duration of the MCP session as observed on the MCP server.",
                ),
                genai: self.genai,
                merge_tool_spans: self.merge_tool_spans,
            }),
        }
    }
}

/// Which histogram an operation or session records into.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Side {
    Client,
    Server,
}

/// The attributes of one operation, `(span, metric)`, as client and server both record them:
/// on both the method, tool or prompt and `gen_ai.operation.name` ([`Facts::push_common`]),
/// the transport (with `server.*` on the client side only) and `mcp.protocol.version`; on
/// the span also the resource URI. Each side adds its own span attributes after these.
pub(crate) fn operation_attributes(
    facts: &Facts,
    transport: &TransportInfo,
    side: Side,
    protocol_version: Option<StringValue>,
) -> (Vec<Attribute>, Vec<Attribute>) {
    let server = matches!(side, Side::Client);
    let mut metric = Vec::with_capacity(10);
    facts.push_common(&mut metric);
    transport.push_attributes(&mut metric, server);
    if let Some(v) = protocol_version {
        metric.push(Attribute::new(MCP_PROTOCOL_VERSION, v));
    }
    let mut span = Vec::with_capacity(metric.len() + 4);
    span.extend_from_slice(&metric);
    facts.push_span_only(&mut span);
    (span, metric)
}

impl Mcp {
    /// The instrumentation with the default options over `genai`.
    pub fn new(genai: &GenAi) -> Self {
        Self::builder(genai).build()
    }

    /// A builder over `genai`.
    pub fn builder(genai: &GenAi) -> McpBuilder {
        McpBuilder {
            genai: genai.clone(),
            merge_tool_spans: true,
        }
    }

    /// The telemetry bundle.
    pub fn telemetry(&self) -> &Telemetry {
        self.inner.genai.telemetry()
    }

    pub(crate) fn genai(&self) -> &GenAi {
        &self.inner.genai
    }

    pub(crate) fn merge_tool_spans(&self) -> bool {
        self.inner.merge_tool_spans
    }

    pub(crate) fn operation_histogram(&self, side: Side) -> &Histogram {
        match side {
            Side::Client => &self.inner.client_operation,
            Side::Server => &self.inner.server_operation,
        }
    }

    pub(crate) fn session_histogram(&self, side: Side) -> &Histogram {
        match side {
            Side::Client => &self.inner.client_session,
            Side::Server => &self.inner.server_session,
        }
    }
}

/// Where an operation's attributes go.
enum Target {
    /// Its own CLIENT or SERVER span.
    Own(Scope),
    /// The enclosing `execute_tool` span, through its [`ToolSpanSlot`] (kept alive by the
    /// context, which holds the span's scope).
    ToolSpan(Context),
}

/// One request or notification being traced: its span (or the `execute_tool` span it
/// describes), the attributes of its operation metric, and its start.
pub(crate) struct Operation {
    mcp: Mcp,
    side: Side,
    target: Target,
    metric_attributes: Vec<Attribute>,
    started: Instant,
    failed: bool,
    truncated: Vec<&'static str>,
}

impl Operation {
    pub(crate) fn own(
        mcp: &Mcp,
        side: Side,
        scope: Scope,
        metric_attributes: Vec<Attribute>,
    ) -> Self {
        Self::new(mcp, side, Target::Own(scope), metric_attributes)
    }

    pub(crate) fn on_tool_span(
        mcp: &Mcp,
        tool: Context,
        metric_attributes: Vec<Attribute>,
    ) -> Self {
        Self::new(mcp, Side::Client, Target::ToolSpan(tool), metric_attributes)
    }

    fn new(mcp: &Mcp, side: Side, target: Target, metric_attributes: Vec<Attribute>) -> Self {
        Self {
            mcp: mcp.clone(),
            side,
            target,
            metric_attributes,
            started: Instant::now(),
            failed: false,
            truncated: Vec::new(),
        }
    }

    /// The span's context: what to inject and what to run the handler in.
    pub(crate) fn context(&self) -> &Context {
        match &self.target {
            Target::Own(scope) => scope.context(),
            Target::ToolSpan(cx) => cx,
        }
    }

    pub(crate) fn is_own_span(&self) -> bool {
        matches!(self.target, Target::Own(_))
    }

    pub(crate) fn set(&self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        match &self.target {
            Target::Own(scope) => scope.set_attribute(key, value),
            Target::ToolSpan(cx) => {
                if let Some(slot) = cx.extension::<ToolSpanSlot>() {
                    slot.set_attribute(Attribute::new(key, value));
                }
            }
        }
    }

    /// Opt-in content on the operation's own span (the `execute_tool` span's owner captures
    /// its own): redacted and bounded by the GenAI layer, only when it captures on spans.
    pub(crate) fn set_content<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) {
        if !self.is_own_span() {
            return;
        }
        if let Some((json, cut)) = self.mcp.genai().span_content(value) {
            self.set(key, json);
            if cut && !self.truncated.contains(&key) {
                self.truncated.push(key);
            }
        }
    }

    /// Fails the operation: `error.type` on the span and the metric, ERROR status with the
    /// redacted `message`; with a JSON-RPC error code also `rpc.response.status_code`.
    pub(crate) fn fail(&mut self, failure: &Failure) {
        if self.failed {
            return;
        }
        self.failed = true;
        let error_type = &*failure.error_type;
        if let Some(c) = failure.code {
            self.set(RPC_RESPONSE_STATUS_CODE, c.to_string());
            self.metric_attributes
                .push(Attribute::new(RPC_RESPONSE_STATUS_CODE, c.to_string()));
        }
        self.metric_attributes
            .push(Attribute::new(ERROR_TYPE, error_type.to_owned()));
        let message = self.mcp.genai().redact_text(&failure.message);
        match &self.target {
            Target::Own(scope) => {
                scope.set_attribute(ERROR_TYPE, error_type.to_owned());
                scope.record_error(error_type, &message);
            }
            Target::ToolSpan(cx) => {
                if let Some(slot) = cx.extension::<ToolSpanSlot>() {
                    slot.fail(error_type, &message);
                }
            }
        }
    }

    /// Ends the operation: its duration into the side's histogram, then the span.
    pub(crate) fn finish(self) {
        self.finish_with(ScopeEnd::Completed);
    }

    /// Ends the span as cancelled (the caller went away, or the peer cancelled the request):
    /// not an error, and no duration, since the operation did not finish.
    pub(crate) fn cancel(self) {
        if !self.truncated.is_empty() {
            self.set(CONTENT_TRUNCATED, self.truncated.clone());
        }
        if let Target::Own(scope) = self.target {
            scope.end_as(ScopeEnd::Cancelled);
        }
    }

    fn finish_with(self, how: ScopeEnd) {
        if !self.truncated.is_empty() {
            self.set(CONTENT_TRUNCATED, self.truncated.clone());
        }
        self.mcp
            .operation_histogram(self.side)
            .record_duration(self.started.elapsed(), &self.metric_attributes);
        if let Target::Own(scope) = self.target {
            scope.end_as(how);
        }
    }
}
