//! Sending one encoded OTLP request and classifying the answer ([`retry`](super::retry)).
//!
//! - **OTLP/HTTP**: a POST of the bytes with reqwest's blocking client (rustls on ring, the
//!   configured CA and client certificate, see `config::tls`), the configured headers,
//!   `Content-Type` of the encoding, and gzip when configured (*OTLP/HTTP Request*).
//! - **OTLP/gRPC**: a unary call to `/opentelemetry.proto.collector.{signal}.v1.{Service}/Export`
//!   through tonic with a pass-through codec, so the bytes go out as encoded; metadata,
//!   `grpc-timeout` and gzip as configured. It runs on the pipeline's private runtime, driven
//!   from the delivery thread with `Handle::block_on`.
//!
//! Both send `User-Agent: OTel-OTLP-Exporter-Rust/{version}` (OpenTelemetry specification
//! v1.60.0, `protocol/exporter.md`, *User Agent*). Each attempt is bounded by the OTLP timeout,
//! or by less when shutdown's deadline is nearer.

use std::time::{Duration, SystemTime};

use bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::export::durable::encode::Encoding;
use crate::export::durable::retry::{self, Outcome};
use crate::export::http_client::source_chain;
use crate::signal::Signal;

pub(crate) const USER_AGENT: &str = concat!("OTel-OTLP-Exporter-Rust/", env!("CARGO_PKG_VERSION"));

/// Where and how one signal's requests are sent.
pub(crate) enum Transport {
    Http(HttpTransport),
    Grpc(GrpcTransport),
}

pub(crate) struct HttpTransport {
    /// Built and dropped off any tokio runtime (see `http_client`).
    pub(crate) client: reqwest::blocking::Client,
    pub(crate) url: String,
    pub(crate) headers: http::HeaderMap,
    pub(crate) gzip: bool,
}

pub(crate) struct GrpcTransport {
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) channel: Channel,
    pub(crate) metadata: tonic::metadata::MetadataMap,
    pub(crate) gzip: bool,
}

impl Transport {
    /// Sends `body` (encoded with `encoding`) once, waiting at most `timeout`.
    pub(crate) fn send(
        &self,
        signal: Signal,
        encoding: Encoding,
        body: &Bytes,
        timeout: Duration,
    ) -> Outcome {
        match self {
            Self::Http(h) => h.send(signal, encoding, body, timeout),
            Self::Grpc(g) => {
                // A runtime shutting down under an attempt (process exit) must not take the
                // delivery thread down with a panic: it is a transient failure.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    g.send(signal, body, timeout)
                }))
                .unwrap_or_else(|_| Outcome::Retry {
                    detail: "the gRPC runtime is shutting down".to_owned(),
                    after: None,
                })
            }
        }
    }
}

fn delivered(signal: Signal, encoding: Encoding, body: &[u8]) -> Outcome {
    let (rejected, message) =
        super::encode::partial_success(signal, encoding, body).unwrap_or_default();
    Outcome::Delivered {
        rejected: rejected.max(0) as u64,
        message,
    }
}

impl HttpTransport {
    fn send(&self, signal: Signal, encoding: Encoding, body: &Bytes, timeout: Duration) -> Outcome {
        let payload = if self.gzip {
            match gzip(body) {
                Ok(b) => Bytes::from(b),
                Err(e) => {
                    return Outcome::Rejected {
                        detail: format!("gzip compression failed: {e}"),
                    };
                }
            }
        } else {
            body.clone()
        };
        let mut request = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .header(http::header::CONTENT_TYPE, encoding.content_type())
            .timeout(timeout)
            .body(payload);
        if self.gzip {
            request = request.header(http::header::CONTENT_ENCODING, "gzip");
        }
        match request.send() {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if response.status().is_success() {
                    let body = response.bytes().unwrap_or_default();
                    delivered(signal, encoding, &body)
                } else {
                    retry::http(status, retry_after.as_deref(), SystemTime::now())
                }
            }
            // No response: connection refused or reset, TLS handshake, timeout (*All Other
            // Responses*, *OTLP/HTTP Connection*).
            Err(e) => Outcome::Retry {
                detail: format!("HTTP export failed: {}", source_chain(&e)),
                after: None,
            },
        }
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    encoder.finish()
}

impl GrpcTransport {
    fn send(&self, signal: Signal, body: &Bytes, timeout: Duration) -> Outcome {
        let path = match signal {
            Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        };
        let call = async {
            let mut client = tonic::client::Grpc::new(self.channel.clone());
            if self.gzip {
                client = client
                    .send_compressed(tonic::codec::CompressionEncoding::Gzip)
                    .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
            }
            client
                .ready()
                .await
                .map_err(|e| tonic::Status::unavailable(source_chain(&e)))?;
            let mut request = tonic::Request::new(body.clone());
            *request.metadata_mut() = self.metadata.clone();
            request.set_timeout(timeout);
            client
                .unary(
                    request,
                    http::uri::PathAndQuery::from_static(path),
                    RawCodec,
                )
                .await
        };
        let result = self
            .runtime
            .block_on(async { tokio::time::timeout(timeout, call).await });
        match result {
            Ok(Ok(response)) => delivered(signal, Encoding::Protobuf, response.get_ref()),
            Ok(Err(status)) => {
                let retry_info = status.get_details_retry_info().and_then(|r| r.retry_delay);
                let mut detail = format!(
                    "OTLP/gRPC export failed with gRPC code: {:?}: {}",
                    status.code(),
                    status.message()
                );
                if let Some(source) = std::error::Error::source(&status) {
                    detail.push_str(": ");
                    detail.push_str(&source_chain(source));
                }
                retry::grpc(status.code(), retry_info, detail)
            }
            Err(_) => Outcome::Retry {
                detail: format!(
                    "OTLP/gRPC export failed with gRPC code: DeadlineExceeded: timed out after \
                     {timeout:?}"
                ),
                after: None,
            },
        }
    }
}

/// Passes encoded bytes through: the request is already an encoded OTLP message, and the
/// response is decoded only for its partial success.
#[derive(Clone, Copy, Debug, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        *self
    }

    fn decoder(&mut self) -> Self::Decoder {
        *self
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
