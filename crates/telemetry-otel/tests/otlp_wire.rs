//! Headers and compression as they arrive, for both protocols: `OTEL_EXPORTER_OTLP_HEADERS`
//! reach the receiver, and `OTEL_EXPORTER_OTLP_COMPRESSION=gzip` sends gzip-encoded bodies.
//!
//! HTTP: a TCP proxy records the raw request bytes in front of mock-collector (HTTP/1.1, so
//! the head is plain text and the body follows it). gRPC: a tonic OTLP trace receiver records
//! each request's metadata (`grpc-encoding` included) and accepts gzip.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::builder;
use mock_collector::MockServer;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use telemetry_core::{CorrelatorExt, Lifecycle};
use telemetry_otel::Protocol;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(10);

const VARS: [(&str, &str); 4] = [
    (
        "OTEL_EXPORTER_OTLP_HEADERS",
        "x-tenant=acme,authorization=Bearer%20s3cret",
    ),
    ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ("OTEL_METRICS_EXPORTER", "none"),
    ("OTEL_LOGS_EXPORTER", "none"),
];

/// Forwards every connection to `backend`, recording what the client sent.
async fn recording_proxy(backend: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let record = sent.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(backend).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let upstream = async move {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = cr.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        record.lock().unwrap().extend_from_slice(&buf[..n]);
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let downstream = async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                };
                tokio::join!(upstream, downstream);
            });
        }
    });
    (addr, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_headers_and_gzip_arrive_on_the_wire() {
    let server = MockServer::builder()
        .protocol(mock_collector::Protocol::HttpBinary)
        .start()
        .await
        .unwrap();
    let (proxy, sent) = recording_proxy(server.addr()).await;
    let otel = builder("wire", &VARS)
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{proxy}"))
        .build()
        .unwrap();
    drop(otel.enter_scope("over the wire", &[]));
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(1, WAIT).await.unwrap();
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );

    let bytes = sent.lock().unwrap().clone();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP/1.1 request head");
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    assert!(head.starts_with("post /v1/traces http/1.1"), "{head}");
    assert!(head.contains("\r\nx-tenant: acme"), "{head}");
    assert!(head.contains("\r\nauthorization: bearer s3cret"), "{head}");
    assert!(head.contains("\r\ncontent-encoding: gzip"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/x-protobuf"),
        "{head}"
    );
    // The body is a gzip member (RFC 1952 magic bytes).
    assert_eq!(&bytes[split + 4..split + 6], &[0x1f, 0x8b]);
    server.shutdown().await.unwrap();
}

/// Records the metadata of each export and the spans it carried.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(tonic::metadata::MetadataMap, usize)>>>);

#[tonic::async_trait]
impl TraceService for Recorder {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let metadata = request.metadata().clone();
        let spans = request
            .into_inner()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.0.lock().unwrap().push((metadata, spans));
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_headers_and_gzip_arrive_on_the_wire() {
    let recorder = Recorder::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Only gzip is accepted: an uncompressed request would be rejected, not recorded.
    let service = TraceServiceServer::new(recorder.clone())
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    let otel = builder("wire", &VARS)
        .with_protocol(Protocol::Grpc)
        .with_endpoint(format!("http://{addr}"))
        .build()
        .unwrap();
    drop(otel.enter_scope("over the wire", &[]));
    otel.shutdown(WAIT).await.unwrap();
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );

    let got = recorder.0.lock().unwrap().clone();
    assert_eq!(got.iter().map(|(_, n)| n).sum::<usize>(), 1);
    let (metadata, _) = &got[0];
    let get = |k: &str| {
        metadata
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(get("x-tenant").as_deref(), Some("acme"));
    assert_eq!(get("authorization").as_deref(), Some("Bearer s3cret"));
    assert_eq!(get("grpc-encoding").as_deref(), Some("gzip"));
    server.abort();
}
