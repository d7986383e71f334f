//! Model Context Protocol instrumentation on the Agent Telemetry traits, for clients and
//! servers built with `rmcp` (the official Rust MCP SDK, 3.11), over any transport (stdio,
//! Streamable HTTP, an in-process byte stream) and any implementation of the traits (NoOp,
//! Basic, OpenTelemetry).
//!
//! Conventions: **semantic-conventions v1.41.0**, `docs/gen-ai/mcp.md` (Development),
//! `model/mcp/registry.yaml`, `model/mcp/spans.yaml`, `model/mcp/metrics.yaml`. MCP
//! protocol version: **2025-11-25**, the newest with the `initialize` handshake in rmcp
//! 3.11, which [`McpClient::connect`] performs; servers also answer the sessions of older
//! versions and rmcp's 2026-07-28 draft. `mcp.protocol.version` records the negotiated one.
//!
//! ```
//! use rmcp::model::CallToolRequestParams;
//! use rmcp::{ErrorData, ServiceExt, tool, tool_router};
//! use telemetry_core::Telemetry;
//! use telemetry_genai::{GenAi, GenAiConfig};
//! use telemetry_mcp::{Mcp, McpClient, TransportInfo};
//!
//! #[derive(Clone)]
//! struct Clock;
//!
//! #[tool_router(server_handler)]
//! impl Clock {
//!     #[tool(description = "The time of day")]
//!     async fn now(&self) -> Result<String, ErrorData> {
//!         Ok("12:00".into())
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let genai = GenAi::new(&Telemetry::noop(), GenAiConfig::default()); // content capture off
//! let mcp = Mcp::new(&genai);
//!
//! // The server: the handler wrapped, over any rmcp transport (here an in-process stream).
//! let (client_io, server_io) = tokio::io::duplex(64 * 1024);
//! let server = mcp.server(Clock, TransportInfo::in_process());
//! tokio::spawn(async move {
//!     let running = server.serve(server_io).await?; // `initialize`: a SERVER span
//!     running.waiting().await?;
//!     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
//! });
//!
//! // The client: `initialize` is a CLIENT span, and so is every call after it.
//! let client = McpClient::connect(&mcp, (), client_io, TransportInfo::in_process()).await?;
//! let tools = client.list_all_tools().await?; // `tools/list`
//! let answer = client.call_tool(CallToolRequestParams::new("now")).await?; // `tools/call now`
//! assert_eq!(tools.len(), 1);
//! assert_ne!(answer.is_error, Some(true));
//! let unknown = client.call_tool(CallToolRequestParams::new("later")).await;
//! assert!(unknown.is_err()); // a JSON-RPC error: its code is the spans' `error.type`
//! client.close(); // `mcp.client.session.duration`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! | piece | what it records |
//! | --- | --- |
//! | [`McpClient`] (from [`McpClient::connect`] or [`Mcp::client`]) | a CLIENT span per request and notification, trace context into `params._meta`, `mcp.client.operation.duration`, `mcp.client.session.duration` |
//! | [`TracedServer`] (from [`Mcp::server`]) | a SERVER span per request and notification, its parent from `params._meta`, the handler run inside it, `mcp.server.operation.duration`, `mcp.server.session.duration` |
//! | [`MetaExtractor`], [`MetaInjector`] | a `_meta` object as a propagation carrier, for hand-written code |
//! | [`TransportInfo`] | `network.transport`, `network.protocol.*`, `server.address`, `server.port` |
//!
//! # How it hooks into rmcp, and why
//!
//! **The client wraps the peer, not the transport.** A transport wrapper would see every
//! JSON-RPC message with its id, but rmcp sends from its own service task: by then the
//! caller's current scope (the agent's `execute_tool` span) is gone, and nothing in rmcp
//! lets a caller attach it to the request (the request id provider and the outgoing
//! extensions are internal). [`McpClient`] opens the span in the caller's task, where that
//! scope is current, injects it into `_meta`, sends through rmcp's
//! `Peer::send_request_with_option` (which hands back the JSON-RPC id) and reads the typed
//! answer: `isError`, a JSON-RPC error with its code, rmcp's timeout. The cost is that
//! requests rmcp sends by itself are not traced one by one: the handshake is one
//! `initialize` CLIENT span around [`McpClient::connect`] (rmcp builds that request from the
//! client handler's info, so the handler is wrapped to put the span's context in its
//! `_meta`; the server's `initialize` and `notifications/initialized` spans follow it, one
//! trace), and rmcp's own pings and cancellations have no client spans. Calls made through
//! the raw `Peer` are not traced either.
//!
//! **The server wraps the handler.** [`TracedServer`] is itself an rmcp `ServerHandler`
//! that delegates each method to the user's: rmcp calls it in the task that runs the
//! request, so the SERVER span can be current while the user's handler runs, which a
//! transport wrapper (in rmcp's read loop) could not arrange. It is a `ServerHandler` rather
//! than the lower-level `Service` because rmcp's Streamable HTTP server accepts only
//! handlers; so it works with any handler (a tool router, a hand-written one) over any
//! transport. Requests rmcp answers before reaching the handler (an unknown method, a
//! protocol-version mismatch) have no server span.
//!
//! **`_meta` carries the context.** `traceparent`, `tracestate` and `baggage` go into
//! `params._meta` as string members (the keys the conventions and the MCP proposal SEP-414
//! name), written and read by the correlator's `inject`/`extract` over
//! [`MetaInjector`]/[`MetaExtractor`], so the W3C rules (and `OTEL_PROPAGATORS` with the
//! OpenTelemetry implementation) apply exactly as for HTTP headers. Baggage set on the
//! caller's scope arrives on the server span and every scope under it.
//!
//! **`execute_tool` and MCP on one span.** "If the MCP instrumentation can reliably detect
//! that outer GenAI instrumentation is already tracing the tool execution, it SHOULD NOT
//! create a separate span. Instead, it SHOULD add MCP-specific attributes to the existing
//! tool execution span." Detection is reliable here: telemetry-genai's `execute_tool` span
//! keeps a [`ToolSpanSlot`](telemetry_genai::ToolSpanSlot) in its scope, found on the
//! current context. So by default a `tools/call` made while an `execute_tool` span is
//! current puts its attributes (`mcp.method.name`, `jsonrpc.request.id`, `network.*`, …)
//! and its failure on that span, injects that span's context, and opens no CLIENT span; the
//! server's SERVER span is then the tool span's child. One call per tool span does this (a
//! second call under the same tool opens its own span); `list_tools` and other methods
//! always open their own. [`McpBuilder::merge_into_tool_spans`]`(false)` opens the CLIENT
//! span anyway, under the tool span, for backends whose service graphs pair CLIENT with
//! SERVER spans (the merged span keeps kind INTERNAL). `mcp.client.operation.duration` is
//! recorded either way.
//!
//! **Content.** `gen_ai.tool.call.arguments` and `gen_ai.tool.call.result` (opt-in) are
//! recorded on this crate's own spans only when the [`GenAi`](telemetry_genai::GenAi) layer
//! captures content on spans, redacted by its redactor and cut to valid JSON within its
//! size limit ([`GenAi::span_content`](telemetry_genai::GenAi::span_content)), as JSON
//! strings. On a merged `execute_tool` span the tool's owner records them, as it always
//! does. Error messages in span statuses are redacted too.
//!
//! **Cancellation and timeouts.** A client timeout fails the CLIENT span with `timeout`;
//! rmcp then sends `notifications/cancelled`, and the server ends its span as cancelled
//! (not an error) while the handler runs on: telemetry never changes what the program
//! does.
//!
//! # Conformance (semantic-conventions v1.41.0, `docs/gen-ai/mcp.md`)
//!
//! Spans:
//!
//! | attribute | requirement | client | server |
//! | --- | --- | --- | --- |
//! | `mcp.method.name` | required | yes | yes |
//! | `error.type` | cond. required | JSON-RPC code, `tool_error`, or [`error_type`]'s values | JSON-RPC code returned by the handler, `tool_error` |
//! | `gen_ai.tool.name` | cond. required | `tools/call` | `tools/call` |
//! | `gen_ai.prompt.name` | cond. required | `prompts/get` | `prompts/get` |
//! | `jsonrpc.request.id` | cond. required | requests (not `initialize`: rmcp numbers it internally) | requests |
//! | `mcp.resource.uri` | cond. required | `resources/read`, `resources/subscribe`, `resources/unsubscribe` | the same |
//! | `rpc.response.status_code` | cond. required | the JSON-RPC error code | the JSON-RPC error code |
//! | `gen_ai.operation.name` | recommended | `execute_tool` on `tools/call` | `execute_tool` on `tools/call` |
//! | `jsonrpc.protocol.version` | recommended when not `2.0` | never (rmcp speaks 2.0) | never |
//! | `mcp.protocol.version` | recommended | after `initialize` | yes |
//! | `mcp.session.id` | recommended | when given ([`McpClient::with_session_id`]: rmcp's client transport does not expose it) | Streamable HTTP (`Mcp-Session-Id` header; not on the `initialize` that creates it) |
//! | `network.protocol.name` | recommended | `http` on Streamable HTTP | `http` on Streamable HTTP |
//! | `network.protocol.version` | recommended | when given ([`TransportInfo::protocol_version`]) | the request's HTTP version |
//! | `network.transport` | recommended | `pipe` / `tcp` | `pipe` / `tcp` |
//! | `server.address`, `server.port` | recommended | from the Streamable HTTP URL | — (client side only) |
//! | `client.address`, `client.port` | recommended | — (server side only) | not recorded: rmcp does not hand the peer address to handlers |
//! | `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result` | opt-in | under the GenAI capture setting, redacted | the same |
//!
//! Span names `{mcp.method.name} {target}` (tool or prompt name, never the resource URI),
//! kinds CLIENT and SERVER, status ERROR with the JSON-RPC message (or the tool's error
//! text) when `error.type` is set. The server span's parent is the `_meta` context, with a
//! link to the ambient context.
//!
//! Metrics (histograms, `s`, buckets `[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60,
//! 120, 300]`):
//!
//! | metric | attributes |
//! | --- | --- |
//! | `mcp.client.operation.duration` | `mcp.method.name`, `gen_ai.tool.name`, `gen_ai.prompt.name`, `gen_ai.operation.name`, `mcp.protocol.version`, `network.*`, `server.address`, `server.port`, `error.type`, `rpc.response.status_code` (`mcp.resource.uri` is opt-in and left out) |
//! | `mcp.server.operation.duration` | the same without `server.*` |
//! | `mcp.client.session.duration` | `network.*`, `server.*`, `mcp.protocol.version`, `error.type` = `transport_closed` when the server went away first |
//! | `mcp.server.session.duration` | `network.*`, `mcp.protocol.version`; recorded when the handler is dropped after an `initialize` |
//!
//! Not covered: requests the server sends the client (`sampling/createMessage`,
//! `elicitation/create`, `roots/list`) are handled by the client's own handler untraced;
//! per-request ids never go into metric attributes.

#![warn(missing_docs)]

// Layers, lowest first: semconv and the carriers; the transport description, the facts of a
// request, error types; `mcp` (shared state and one traced operation); client and server.
mod client;
pub mod error_type;
mod mcp;
mod meta;
mod request;
pub mod semconv;
mod server;
mod transport;

pub use client::McpClient;
pub use mcp::{Mcp, McpBuilder};
pub use meta::{MetaExtractor, MetaInjector};
pub use server::TracedServer;
pub use transport::{InvalidUrl, TransportInfo};
