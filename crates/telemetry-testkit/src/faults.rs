//! Collectors that misbehave, for fault tests (feature `faults`): one that stops and comes
//! back on the same port, one that accepts connections and never answers, and one that
//! answers each request late.
//!
//! ```
//! use std::time::Duration;
//! use telemetry_testkit::faults::{BlackHole, RestartableReceiver, SlowProxy};
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
//! # let _ = (slow.addr(), hole.addr(), hole.connections());
//! assert!(receiver.received().await.spans.is_empty());
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mock_collector::{MockCollector, MockServer, Protocol, ServerHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::RwLock;
use tokio::task::JoinHandle;

use crate::Received;

/// An OTLP HTTP/protobuf receiver on a fixed 127.0.0.1 port that can be stopped (the port
/// then refuses connections) and restarted on the same port, keeping what it received.
pub struct RestartableReceiver {
    collector: Arc<RwLock<MockCollector>>,
    addr: SocketAddr,
    server: Option<ServerHandle>,
}

impl RestartableReceiver {
    /// Starts on an ephemeral port, which it keeps across restarts.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start() -> Self {
        let collector = Arc::new(RwLock::new(MockCollector::new()));
        let server = MockServer::with_collector(Protocol::HttpBinary, 0, collector.clone())
            .start()
            .await
            .expect("start the OTLP receiver");
        Self {
            collector,
            addr: server.addr(),
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
                Protocol::HttpBinary,
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
