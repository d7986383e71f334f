//! Shared by the OTLP tests: the OpenTelemetry implementation exporting to an in-process
//! receiver (mock-collector, HTTP/protobuf on 127.0.0.1:0), and a real rmcp tool server.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use mock_collector::ServerHandle;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ErrorData, schemars, tool, tool_router};
use telemetry_core::{Attribute, Context, CorrelatorExt, Telemetry};
use telemetry_genai::{CaptureMode, GenAi, GenAiConfig};
use telemetry_mcp::Mcp;
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::RSpan;

pub use telemetry_testkit::otel::received;

/// A receiver and an OpenTelemetry implementation exporting every signal to it.
pub async fn otel() -> (OpenTelemetry, ServerHandle) {
    telemetry_testkit::otel::pipeline("telemetry-mcp-test").await
}

/// The MCP instrumentation over `t`, capturing content on spans when `capture`.
pub fn mcp(t: &Telemetry, capture: bool) -> (GenAi, Mcp) {
    let mut config = GenAiConfig::default();
    if capture {
        config.capture = CaptureMode::SpanOnly;
    }
    let genai = GenAi::new(t, config);
    let mcp = Mcp::new(&genai);
    (genai, mcp)
}

/// Whether the span was ended as cancelled (the core's `ScopeEnd::Cancelled`).
pub fn is_cancelled(span: &RSpan) -> bool {
    span.attributes
        .iter()
        .any(|(k, v)| k == "agent_telemetry.cancelled" && v == "true")
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct AddRequest {
    pub a: i64,
    pub b: i64,
    /// Ignored by the tool; the content-capture test puts a secret here.
    #[serde(default)]
    pub note: Option<String>,
}

/// The test server's tools: each exercises one outcome.
#[derive(Clone)]
pub struct Tools {
    pub telemetry: Telemetry,
}

#[tool_router(server_handler)]
impl Tools {
    /// A result: the sum. It looks itself up in a child scope, which must nest under the
    /// server span, and reports the caller's `tenant` baggage.
    #[tool(description = "Adds two integers")]
    async fn add(&self, Parameters(r): Parameters<AddRequest>) -> Result<String, ErrorData> {
        let tenant = Context::current()
            .baggage_value("tenant")
            .unwrap_or_default();
        self.telemetry.correlator.in_scope(
            "lookup",
            &[Attribute::new("seen.tenant", tenant.clone())],
            || {},
        );
        Ok(format!("{} tenant={tenant}", r.a + r.b))
    }

    /// A tool that ran and failed: `isError`.
    #[tool(description = "Always fails")]
    async fn broken(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::error(vec![ContentBlock::text(
            "disk full on /var",
        )]))
    }

    /// A JSON-RPC error.
    #[tool(description = "Always rejects")]
    async fn reject(&self) -> Result<String, ErrorData> {
        Err(ErrorData::internal_error("database unavailable", None))
    }

    /// Answers after 3 seconds: the timeout test gives up well before.
    #[tool(description = "Sleeps")]
    async fn slow(&self) -> Result<String, ErrorData> {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok("late".into())
    }
}
