//! Group 8, MCP instrumentation: one `tools/call` from an rmcp client to an rmcp server over
//! an in-process duplex, through `telemetry-mcp`'s `McpClient` and `TracedServer` into this
//! project's OpenTelemetry implementation, against the same call between the bare rmcp client
//! and server, in the same run.
//!
//! Both sides run on one current-thread runtime, so a call is the whole round trip: the
//! request serialized, written, read and dispatched, the tool run, the answer back. The
//! instrumented call does what it does in production: a CLIENT and a SERVER span with their
//! attributes (the SDK's simple span processor in front of a discarding exporter), the trace
//! context injected into and extracted from `params._meta`, and both operation-duration
//! histograms.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rmcp::model::CallToolRequestParams;
use rmcp::{ErrorData, ServiceExt, tool, tool_router};
use telemetry_genai::{GenAi, GenAiConfig};
use telemetry_mcp::{Mcp, McpClient, TransportInfo};
use telemetry_otel::OpenTelemetry;

const GROUP: &str = "mcp";

#[derive(Clone)]
struct Echo;

#[tool_router(server_handler)]
impl Echo {
    #[tool(description = "Answers at once")]
    async fn echo(&self) -> Result<String, ErrorData> {
        Ok("ok".into())
    }
}

fn call() -> CallToolRequestParams {
    CallToolRequestParams::new("echo")
}

fn calls(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut g = c.benchmark_group(GROUP);

    let plain = rt.block_on(async {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let running = Echo.serve(server_io).await.expect("serves");
            let _ = running.waiting().await;
        });
        ().serve(client_io).await.expect("connects")
    });
    g.bench_function("tools_call_plain", |b| {
        b.iter(|| {
            let r = rt
                .block_on(plain.peer().call_tool(call()))
                .expect("answers");
            black_box(r);
        })
    });

    let otel: OpenTelemetry = agent_telemetry_benches::otel_discarding();
    let genai = GenAi::new(&otel.telemetry(), GenAiConfig::default());
    let mcp = Mcp::new(&genai);
    let traced = rt.block_on(async {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = mcp.server(Echo, TransportInfo::in_process());
        tokio::spawn(async move {
            let running = server.serve(server_io).await.expect("serves");
            let _ = running.waiting().await;
        });
        McpClient::connect(&mcp, (), client_io, TransportInfo::in_process())
            .await
            .expect("connects")
    });
    g.bench_function("tools_call_traced_otel", |b| {
        b.iter(|| {
            let r = rt.block_on(traced.call_tool(call())).expect("answers");
            black_box(r);
        })
    });
    g.finish();
    drop((plain, traced));
    // Dropping would print the console metrics exporter's final export into the bench output.
    std::mem::forget(otel);
}

criterion_group!(benches, calls);
criterion_main!(benches);
