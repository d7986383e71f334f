//! OTLP export that rides out collector outages, restarts and crashes.
//!
//! **Where the queue sits.** The SDK's batch span and log processors and its periodic metric
//! reader call `export` on their own threads and wait for it. The OTLP exporter here
//! ([`exporter::DurableExporter`]) encodes the batch into an OTLP export request
//! ([`encode`]) and hands it to the signal's [`delivery::Delivery`] queue, then returns: the
//! application's hand-off into the SDK stays a non-blocking push, and the SDK's thread is never
//! held by a retry, so its own bounded queue does not fill during an outage. One delivery thread
//! per signal sends the oldest request ([`transport`]); on a transient failure it keeps it at
//! the head and waits (exponential backoff with jitter, or the server's `Retry-After` /
//! `RetryInfo`, [`retry`]) while new requests queue behind it, bounded in bytes
//! ([`queue`]); a request still failing when its retry window has passed is dropped, or with a
//! spool kept on disk and retried.
//!
//! **Why not opentelemetry-otlp's exporters.** They retry inside `export` (holding the SDK's
//! thread) with a policy bounded by the export timeout, and they take SDK batches, not bytes:
//! a request could not be stored and replayed as it was. Encoding uses the same
//! `opentelemetry-proto` transforms they use; sending is reqwest (HTTP) and tonic (gRPC), as
//! theirs.
//!
//! **The spool** ([`spool`], opt-in): each request is written to a file when it is handed
//! over, before `export` returns, and deleted once delivered; a process that starts on the
//! same directory queues what it finds ahead of new data and delivers it without waiting for
//! new telemetry.
//!
//! **Flush and shutdown** are driven by the lifecycle with the caller's deadline
//! ([`delivery::Delivery::flush`], [`delivery::Delivery::shutdown`]); at shutdown's deadline
//! what is on disk stays for the next start and the rest is dropped and counted.

pub(crate) mod delivery;
pub(crate) mod encode;
pub(crate) mod exporter;
pub(crate) mod queue;
pub(crate) mod retry;
pub(crate) mod spool;
pub(crate) mod transport;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use opentelemetry_sdk::metrics::Temporality;

use crate::config::durable::DurableSettings;
use crate::config::error::ConfigError;
use crate::config::otlp::{OtlpSettings, Protocol};
use crate::export::http_client;
use crate::failures::Stats;
use crate::signal::Signal;
use delivery::Delivery;
use encode::Encoding;
use exporter::DurableExporter;
use queue::Entry;
use spool::Spool;
use transport::{GrpcTransport, HttpTransport, Transport, USER_AGENT};

fn build_error(signal: Signal, s: &OtlpSettings, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::new(
        format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.upper()),
        s.endpoint.clone(),
        format!("an endpoint the OTLP {signal} exporter accepts ({e})"),
    )
}

/// Everything one signal's OTLP export needs at start.
pub(crate) struct Start<'a> {
    pub(crate) signal: Signal,
    pub(crate) otlp: &'a OtlpSettings,
    pub(crate) durable: &'a DurableSettings,
    pub(crate) stats: &'a Arc<Stats>,
    /// The pipeline's private runtime (gRPC only); its context must be entered.
    pub(crate) runtime: Option<tokio::runtime::Handle>,
    /// Shared with the log processor in front of the exporter.
    pub(crate) refused: Arc<AtomicBool>,
    pub(crate) temporality: Temporality,
}

/// Starts one signal's delivery thread (opening its spool, if any) and returns the exporter
/// for the SDK and the delivery handle for the lifecycle. Call on a thread that is not a
/// tokio worker, with the private runtime entered for gRPC.
pub(crate) fn start(p: Start<'_>) -> Result<(DurableExporter, Arc<Delivery>), ConfigError> {
    let s = p.otlp;
    let (transport, encoding) = match (s.protocol, p.runtime) {
        (Protocol::Grpc, Some(runtime)) => {
            let mut endpoint = tonic::transport::Endpoint::from_shared(s.endpoint.clone())
                .and_then(|e| e.user_agent(USER_AGENT))
                .map_err(|e| build_error(p.signal, s, e))?
                .timeout(s.timeout);
            if s.https() {
                endpoint = endpoint
                    .tls_config(s.tls.grpc())
                    .map_err(|e| build_error(p.signal, s, e))?;
            }
            let grpc = GrpcTransport {
                runtime,
                channel: endpoint.connect_lazy(),
                metadata: metadata(&s.headers),
                gzip: s.gzip,
            };
            (Transport::Grpc(grpc), Encoding::Protobuf)
        }
        (Protocol::Grpc, None) => {
            return Err(build_error(p.signal, s, "no runtime for gRPC"));
        }
        (protocol, _) => {
            let client =
                http_client::blocking_client(s.tls.http(s.https())?, s.timeout, &s.endpoint)?;
            let mut headers = http::HeaderMap::new();
            headers.insert(
                http::header::USER_AGENT,
                http::HeaderValue::from_static(USER_AGENT),
            );
            for (k, v) in &s.headers {
                // Validated in `otlp`.
                if let (Ok(k), Ok(v)) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    http::HeaderValue::from_str(v),
                ) {
                    headers.insert(k, v);
                }
            }
            let encoding = if protocol == Protocol::HttpJson {
                Encoding::Json
            } else {
                Encoding::Protobuf
            };
            let http = HttpTransport {
                client,
                url: s.endpoint.clone(),
                headers,
                gzip: s.gzip,
            };
            (Transport::Http(http), encoding)
        }
    };
    let endpoint: Arc<str> = s.endpoint.as_str().into();
    let mut corrupt = Vec::new();
    let spool = match &p.durable.spool_dir {
        None => None,
        Some(dir) => match Spool::open(dir, p.signal) {
            Ok((spool, found, damaged)) => {
                corrupt = damaged;
                let mut entries = Vec::with_capacity(found.len());
                for f in found {
                    if f.header.encoding != encoding {
                        spool.remove(f.seq);
                        corrupt.push((
                            spool.path(f.seq),
                            format!(
                                "encoded as {:?}, and this process sends {encoding:?} (the \
                                 protocol changed)",
                                f.header.encoding
                            ),
                        ));
                        continue;
                    }
                    entries.push(Entry::replayed(
                        f.header.len,
                        f.header.items,
                        f.header.created_ms,
                        f.seq,
                        spool::HEADER_LEN + f.header.len,
                    ));
                }
                Some((spool, entries))
            }
            Err(e) => {
                p.stats.spool_error(p.signal, &format!("spool {e}"));
                None
            }
        },
    };
    let delivery = Arc::new(Delivery::new(
        p.signal,
        p.stats.clone(),
        endpoint,
        p.refused,
        encoding,
        spool,
        p.durable.queue_bytes,
        p.durable.spool_max_bytes,
        p.durable.retry_window,
        s.timeout,
    ));
    for (path, why) in corrupt {
        delivery.corrupt(&path, &why);
    }
    let d = delivery.clone();
    std::thread::Builder::new()
        .name(format!("telemetry-otel-{}-delivery", p.signal))
        .spawn(move || d.run(transport))
        .map_err(|e| build_error(p.signal, s, format!("no delivery thread: {e}")))?;
    let exporter = DurableExporter {
        delivery: delivery.clone(),
        resource: Default::default(),
        temporality: p.temporality,
    };
    Ok((exporter, delivery))
}

fn metadata(headers: &[(String, String)]) -> tonic::metadata::MetadataMap {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        // Validated in `otlp`; a failure here cannot happen, skipping is the safe fallback.
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            map.insert(k, v);
        }
    }
    tonic::metadata::MetadataMap::from_headers(map)
}
