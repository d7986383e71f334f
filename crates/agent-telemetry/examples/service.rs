//! An instrumented agent service on 127.0.0.1:3000 (or `ADDR`) until Ctrl-C.

use std::time::Duration;

use agent_telemetry::basic::{BasicTelemetry, LogFormat};
use agent_telemetry::gen_ai::{GenAi, GenAiConfig, Message, Usage, provider};
use agent_telemetry::http_instrumentation::HttpServerLayer;
use agent_telemetry::otel::OpenTelemetry;
use agent_telemetry::tracing_bridge::TelemetryLayer;
use agent_telemetry::{LogLevel, info};
use axum::{Router, extract::State, routing::post};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, filter::LevelFilter, layer::SubscriberExt as _};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // OpenTelemetry configured by the OTEL_* variables (OTLP to localhost:4318 unless they say
    // otherwise); if they are invalid, say why and log to stdout instead.
    let telemetry = match OpenTelemetry::from_env("quickstart") {
        Ok(otel) => otel.telemetry(),
        Err(e) => {
            eprintln!("OpenTelemetry off: {e}");
            BasicTelemetry::stdout(LogFormat::Text, LogLevel::Info).telemetry
        }
    };
    // The `tracing` events of axum, hyper and other libraries, in the same traces.
    let layer = TelemetryLayer::new(telemetry.clone()).with_filter(LevelFilter::INFO);
    tracing_subscriber::registry().with(layer).init();

    let genai = GenAi::new(&telemetry, GenAiConfig::from_env()?);
    let app = Router::new()
        .route("/v1/chat", post(chat))
        .with_state(genai)
        // Every request: a SERVER span `POST /v1/chat`, HTTP metrics, `x-correlation-id`.
        .layer(HttpServerLayer::new(telemetry.clone()));

    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(ctrl_c)
        .await?;

    // Exports what is still buffered, waiting at most 5 s.
    telemetry.shutdown(Duration::from_secs(5)).await?;
    Ok(())
}

/// One model call: a `chat gpt-4o` span under the request's span, with its token usage.
async fn chat(State(genai): State<GenAi>, question: String) -> String {
    let mut span = genai
        .chat(provider::OPENAI, "gpt-4o")
        .input_messages(vec![Message::user(question)])
        .start();
    let answer = span.instrument(async { "4".to_owned() }).await; // call the model here
    span.usage(Usage::new(25, 9));
    span.end();
    info!(genai.telemetry().logger, "answered", "answer.length" => answer.len());
    answer
}
