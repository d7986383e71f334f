//! SDK batches as encoded OTLP export requests (`ExportTraceServiceRequest`,
//! `ExportLogsServiceRequest`, `ExportMetricsServiceRequest`), with `opentelemetry-proto`'s
//! transforms: the same conversion opentelemetry-otlp 0.33 applies. Encoded once, at hand-off;
//! every attempt and every replay from the spool sends these bytes unchanged.
//!
//! Binary protobuf serves OTLP/gRPC and OTLP/HTTP `http/protobuf`; JSON (the OTLP
//! specification's *JSON Protobuf Encoding*: hex ids, enums as integers) serves `http/json`.

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::logs::LogBatch;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::trace::SpanData;
use prost::Message;

use crate::signal::Signal;

/// How a request is encoded; kept in each spool file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Binary protobuf (`application/x-protobuf`, and gRPC).
    Protobuf,
    /// OTLP/JSON (`application/json`).
    Json,
}

impl Encoding {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Self::Protobuf => "application/x-protobuf",
            Self::Json => "application/json",
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Protobuf),
            1 => Some(Self::Json),
            _ => None,
        }
    }
}

fn encode<M: Message + serde::Serialize>(req: &M, encoding: Encoding) -> Result<Vec<u8>, String> {
    match encoding {
        Encoding::Protobuf => Ok(req.encode_to_vec()),
        Encoding::Json => serde_json::to_vec(req).map_err(|e| format!("OTLP/JSON encoding: {e}")),
    }
}

pub(crate) fn spans(
    batch: Vec<SpanData>,
    resource: &ResourceAttributesWithSchema,
    encoding: Encoding,
) -> Result<Vec<u8>, String> {
    let resource_spans = group_spans_by_resource_and_scope(batch, resource);
    encode(&ExportTraceServiceRequest { resource_spans }, encoding)
}

pub(crate) fn logs(
    batch: &LogBatch<'_>,
    resource: &ResourceAttributesWithSchema,
    encoding: Encoding,
) -> Result<Vec<u8>, String> {
    let resource_logs = group_logs_by_resource_and_scope(batch, resource);
    encode(&ExportLogsServiceRequest { resource_logs }, encoding)
}

pub(crate) fn metrics(metrics: &ResourceMetrics, encoding: Encoding) -> Result<Vec<u8>, String> {
    encode(&ExportMetricsServiceRequest::from(metrics), encoding)
}

/// The partial success of a response body, if it rejected anything: (rejected count, the
/// server's message). Spans and log records are counted in items; metrics in data points,
/// which the caller only reports. An empty or undecodable body is a full success (the OTLP
/// specification's *Full Success*: the server MAY leave the fields unset).
pub(crate) fn partial_success(
    signal: Signal,
    encoding: Encoding,
    body: &[u8],
) -> Option<(i64, String)> {
    if body.is_empty() {
        return None;
    }
    fn decode<M: Message + Default + serde::de::DeserializeOwned>(
        body: &[u8],
        encoding: Encoding,
    ) -> Option<M> {
        match encoding {
            Encoding::Protobuf => M::decode(body).ok(),
            Encoding::Json => serde_json::from_slice(body).ok(),
        }
    }
    let (rejected, message) = match signal {
        Signal::Traces => {
            let p = decode::<ExportTraceServiceResponse>(body, encoding)?.partial_success?;
            (p.rejected_spans, p.error_message)
        }
        Signal::Logs => {
            let p = decode::<ExportLogsServiceResponse>(body, encoding)?.partial_success?;
            (p.rejected_log_records, p.error_message)
        }
        Signal::Metrics => {
            let p = decode::<ExportMetricsServiceResponse>(body, encoding)?.partial_success?;
            (p.rejected_data_points, p.error_message)
        }
    };
    (rejected > 0 || !message.is_empty()).then_some((rejected, message))
}
