//! Shared by the OTLP tests: the OpenTelemetry implementation exporting over HTTP/protobuf to
//! an in-process receiver (`telemetry_testkit::mock`), and GenAI look-ups on what arrived.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use mock_collector::ServerHandle;
use telemetry_core::{Lifecycle, Telemetry};
use telemetry_genai::{GenAi, GenAiConfig};
use telemetry_otel::{OpenTelemetry, Protocol};
use telemetry_testkit::{RSpan, Received, mock};

pub const WAIT: Duration = Duration::from_secs(10);

/// GenAI look-ups on a received span.
pub trait GenAiSpan {
    /// `gen_ai.operation.name`, or "" when absent.
    fn op(&self) -> &str;
}

impl GenAiSpan for RSpan {
    fn op(&self) -> &str {
        self.attr("gen_ai.operation.name").unwrap_or("")
    }
}

/// A receiver plus the OpenTelemetry implementation exporting to it over HTTP/protobuf, with
/// configuration given in code (the process environment is ignored).
pub struct Harness {
    pub server: ServerHandle,
    pub otel: OpenTelemetry,
    pub telemetry: Telemetry,
}

impl Harness {
    pub async fn start() -> Self {
        let server = mock::receiver().await;
        let otel = OpenTelemetry::builder("genai-e2e")
            .with_env_source(|_| None)
            .with_protocol(Protocol::HttpProtobuf)
            .with_endpoint(format!("http://{}", server.addr()))
            .build()
            .unwrap();
        let telemetry = otel.telemetry();
        Self {
            server,
            otel,
            telemetry,
        }
    }

    pub fn genai(&self, config: GenAiConfig) -> GenAi {
        GenAi::new(&self.telemetry, config)
    }

    /// Shuts the pipeline down (exporting everything) and returns what arrived.
    pub async fn finish(self, min_spans: usize, min_logs: usize) -> Received {
        self.otel.shutdown(WAIT).await.unwrap();
        self.server.wait_for_spans(min_spans, WAIT).await.unwrap();
        if min_logs > 0 {
            self.server.wait_for_logs(min_logs, WAIT).await.unwrap();
        }
        let r = self.server.with_collector(mock::received).await;
        assert!(
            self.otel.export_failures().is_empty(),
            "{:?}",
            self.otel.export_failures()
        );
        self.server.shutdown().await.unwrap();
        r
    }
}

pub mod corpus;
