//! Collectors that misbehave, for fault tests (feature `faults`): one that stops and comes
//! back on the same port, one that accepts connections and never answers, one that answers
//! each request late, and one that answers chosen OTLP/HTTP paths with a chosen status (a
//! backend that takes traces only answers `/v1/logs` and `/v1/metrics` with 404).
//!
//! ```
//! use std::time::Duration;
//! use telemetry_testkit::faults::{BlackHole, RestartableReceiver, SlowProxy, StatusProxy};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut receiver = RestartableReceiver::start().await;
//! let fixed = receiver.addr();
//! receiver.stop().await; // connections are now refused
//! receiver.restart().await; // same port, same collected data
//! assert_eq!(receiver.addr(), fixed);
//! let slow = SlowProxy::start(receiver.addr(), Duration::from_secs(2)).await;
//! let hole = BlackHole::start().await;
//! let traces_only =
//!     StatusProxy::start(receiver.addr(), &[("/v1/logs", 404), ("/v1/metrics", 404)]).await;
//! assert_eq!(traces_only.requests("/v1/logs"), 0);
//! # let _ = (slow.addr(), hole.addr(), hole.connections(), traces_only.addr());
//! assert!(receiver.received().await.spans.is_empty());
//! # }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mock_collector::{MockCollector, MockServer, Protocol, ServerHandle};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::RwLock;
use tokio::task::JoinHandle;

use crate::Received;

/// An OTLP receiver (HTTP/protobuf by default, or any protocol mock-collector serves) on a
/// fixed 127.0.0.1 port that can be stopped (the port then refuses connections) and restarted
/// on the same port, keeping what it received.
pub struct RestartableReceiver {
    collector: Arc<RwLock<MockCollector>>,
    addr: SocketAddr,
    protocol: Protocol,
    server: Option<ServerHandle>,
}

impl RestartableReceiver {
    /// Starts an OTLP HTTP/protobuf receiver on an ephemeral port, which it keeps across
    /// restarts.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start() -> Self {
        Self::start_on(Protocol::HttpBinary).await
    }

    /// Starts a receiver of `protocol` (`Protocol::Grpc` for OTLP/gRPC) on an ephemeral port,
    /// which it keeps across restarts.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start_on(protocol: Protocol) -> Self {
        let collector = Arc::new(RwLock::new(MockCollector::new()));
        let server = MockServer::with_collector(protocol, 0, collector.clone())
            .start()
            .await
            .expect("start the OTLP receiver");
        Self {
            collector,
            addr: server.addr(),
            protocol,
            server: Some(server),
        }
    }

    /// The fixed address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether it is running.
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Stops serving and closes the port.
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = s.shutdown().await;
        }
    }

    /// Serves again on the same port (retrying for up to 10 s while the old socket closes).
    ///
    /// # Panics
    /// When the port stays taken.
    pub async fn restart(&mut self) {
        self.stop().await;
        for _ in 0..200 {
            match MockServer::with_collector(
                self.protocol,
                self.addr.port(),
                self.collector.clone(),
            )
            .start()
            .await
            {
                Ok(s) => {
                    self.server = Some(s);
                    return;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("cannot rebind the OTLP receiver on {}", self.addr);
    }

    /// Everything received so far, across restarts.
    pub async fn received(&self) -> Received {
        crate::mock::received(&*self.collector.read().await)
    }

    /// How many spans were received so far.
    pub async fn span_count(&self) -> usize {
        self.collector.read().await.span_count()
    }

    /// How many log records were received so far.
    pub async fn log_count(&self) -> usize {
        self.collector.read().await.log_count()
    }

    /// Stops it for good.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }
}

/// A TCP listener that accepts connections and never reads or answers: an exporter sending
/// to it waits until its own timeout.
pub struct BlackHole {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl BlackHole {
    /// Listens on 127.0.0.1 with an ephemeral port.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            let mut held: Vec<TcpStream> = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::Relaxed);
                held.push(stream);
            }
        });
        Self {
            addr,
            accepted,
            task,
        }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A TCP proxy in front of a receiver that holds every chunk of the receiver's answer for a
/// fixed delay: each export is answered that much later (requests pass at once).
pub struct SlowProxy {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl SlowProxy {
    /// Listens on 127.0.0.1 with an ephemeral port and forwards to `backend`.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start(backend: SocketAddr, delay: Duration) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(upstream) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut ur, mut uw) = upstream.into_split();
                    let up = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut cr, &mut uw).await;
                        let _ = uw.shutdown().await;
                    });
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = ur.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        tokio::time::sleep(delay).await;
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = cw.shutdown().await;
                    up.abort();
                });
            }
        });
        Self { addr, task }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An HTTP/1.1 proxy in front of an OTLP/HTTP receiver that answers the requests for chosen
/// paths itself, with a chosen status and an empty body, and forwards every other request:
/// a backend that does not take some signals (404 for `/v1/logs` and `/v1/metrics` on a
/// traces-only one, 405, 415) or that fails on one (500). It counts the requests for each
/// path, answered or forwarded. Bodies must have a `Content-Length`, as the OTLP exporters'
/// requests and mock-collector's answers do; connections are kept alive.
pub struct StatusProxy {
    addr: SocketAddr,
    requests: Arc<Mutex<HashMap<String, usize>>>,
    task: JoinHandle<()>,
}

impl StatusProxy {
    /// Listens on 127.0.0.1 with an ephemeral port, answers each `(path, status)` of
    /// `answers` itself and forwards the rest to `backend`.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start(backend: SocketAddr, answers: &[(&str, u16)]) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let answers: Arc<HashMap<String, u16>> = Arc::new(
            answers
                .iter()
                .map(|(path, status)| ((*path).to_owned(), *status))
                .collect(),
        );
        let requests = Arc::new(Mutex::new(HashMap::new()));
        let counts = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, backend, answers.clone(), counts.clone()));
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests received so far for `path` (e.g. `/v1/logs`), answered or forwarded.
    pub fn requests(&self, path: &str) -> usize {
        let counts = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(path).copied().unwrap_or(0)
    }
}

impl Drop for StatusProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one client connection of a [`StatusProxy`] until either side closes it.
async fn relay(
    client: TcpStream,
    backend: SocketAddr,
    answers: Arc<HashMap<String, u16>>,
    counts: Arc<Mutex<HashMap<String, usize>>>,
) {
    let mut client = BufReader::new(client);
    let mut upstream: Option<BufReader<TcpStream>> = None;
    while let Some((head, body)) = read_message(&mut client).await {
        let line = String::from_utf8_lossy(&head);
        let target = line.split(' ').nth(1).unwrap_or("");
        let path = target.split('?').next().unwrap_or("").to_owned();
        *counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path.clone())
            .or_default() += 1;
        if let Some(status) = answers.get(&path) {
            let answer = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: 0\r\n\r\n",
                reason(*status)
            );
            if client.get_mut().write_all(answer.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        if upstream.is_none() {
            let Ok(stream) = TcpStream::connect(backend).await else {
                return;
            };
            upstream = Some(BufReader::new(stream));
        }
        let Some(up) = upstream.as_mut() else { return };
        let sent = async {
            up.get_mut().write_all(&head).await?;
            up.get_mut().write_all(&body).await
        };
        if sent.await.is_err() {
            return;
        }
        let Some((head, body)) = read_message(up).await else {
            return;
        };
        let c = client.get_mut();
        if c.write_all(&head).await.is_err() || c.write_all(&body).await.is_err() {
            return;
        }
    }
}

/// One HTTP/1.1 message: the head (through the blank line) and its `Content-Length` body.
/// `None` at the end of the stream or on a read error.
async fn read_message(r: &mut BufReader<TcpStream>) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if r.read_until(b'\n', &mut head).await.ok()? == 0 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let length = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    r.read_exact(&mut body).await.ok()?;
    Some((head, body))
}

/// The reason phrase of the statuses a test is likely to answer with (clients ignore it).
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
