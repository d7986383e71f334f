//! TLS test receivers: a throw-away certificate authority with a server and a client
//! certificate ([`TestPki`], generated with `rcgen` when the test runs, written as PEM files),
//! and a TLS-terminating proxy ([`TlsProxy`]) that puts any plain receiver (an OTLP receiver,
//! an HTTP stub) behind `https://` on 127.0.0.1, optionally requiring a client certificate.
//!
//! ```
//! use telemetry_testkit::tls::{TestPki, TlsProxy};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let pki = TestPki::generate();
//! let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let proxy = TlsProxy::start(pki.server_config(false), plain.local_addr().unwrap()).await;
//! // Clients trust `pki.ca_path()` and connect to `https://{proxy.addr()}`.
//! assert!(pki.ca_path().exists());
//! assert_ne!(proxy.addr().port(), 0);
//! # }
//! ```

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A test certificate authority, a server certificate for `localhost` and `127.0.0.1`, and a
/// client certificate, all signed by it, as PEM files in a temporary directory that is removed
/// on drop.
pub struct TestPki {
    dir: tempfile::TempDir,
    ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

impl TestPki {
    /// Generates the CA (ECDSA P-256) and its two leaf certificates. Panics on failure (test
    /// support).
    pub fn generate() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "agent-telemetry test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");

        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(names).expect("leaf params");
            params
                .distinguished_name
                .push(DnType::CommonName, "agent-telemetry test");
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("leaf key");
            let cert = params.signed_by(&key, &ca).expect("leaf certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_pem, server_key_pem) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_pem, client_key_pem) =
            leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);

        let dir = tempfile::tempdir().expect("temporary directory");
        let ca_pem = ca.pem();
        for (name, pem) in [
            ("ca.pem", &ca_pem),
            ("server.pem", &server_pem),
            ("server-key.pem", &server_key_pem),
            ("client.pem", &client_pem),
            ("client-key.pem", &client_key_pem),
        ] {
            std::fs::write(dir.path().join(name), pem).expect("write PEM file");
        }
        Self {
            dir,
            ca_pem,
            server_pem,
            server_key_pem,
        }
    }

    /// The directory holding the PEM files (for extra files a test writes).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA certificate (PEM): what a client must trust.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The CA certificate, PEM text.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The client certificate (PEM), signed by the CA, for mutual TLS.
    pub fn client_cert_path(&self) -> PathBuf {
        self.dir.path().join("client.pem")
    }

    /// The client certificate's private key (PKCS#8 PEM).
    pub fn client_key_path(&self) -> PathBuf {
        self.dir.path().join("client-key.pem")
    }

    /// The server's private key (PKCS#8 PEM): a valid key that matches no client certificate.
    pub fn server_key_path(&self) -> PathBuf {
        self.dir.path().join("server-key.pem")
    }

    /// A rustls server configuration (ring provider) presenting the server certificate, with
    /// ALPN `h2` and `http/1.1`; with `require_client_cert`, clients must present a
    /// certificate signed by the CA.
    pub fn server_config(&self, require_client_cert: bool) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions");
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
                roots.add(cert.expect("CA PEM")).expect("CA certificate");
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let chain = CertificateDer::pem_slice_iter(self.server_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("server PEM");
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes()).expect("key");
        let mut config = builder
            .with_single_cert(chain, key)
            .expect("server certificate and key");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// A TLS-terminating TCP proxy on 127.0.0.1 (ephemeral port) in front of a plain backend:
/// each accepted connection completes a TLS handshake, then its plaintext is copied both ways
/// to a new connection to the backend. Runs on the current tokio runtime; stops on drop.
pub struct TlsProxy {
    addr: SocketAddr,
    handshake_failures: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl TlsProxy {
    /// Binds and starts accepting. Panics if it cannot bind (test support).
    pub async fn start(config: Arc<rustls::ServerConfig>, backend: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let handshake_failures = Arc::new(AtomicU64::new(0));
        let failures = handshake_failures.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let failures = failures.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                        let _: io::Result<_> =
                            tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        Self {
            addr,
            handshake_failures,
            task,
        }
    }

    /// Where clients connect (`https://{addr}`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TLS handshakes that failed so far (unknown CA on the client side, missing client
    /// certificate, ...).
    pub fn handshake_failures(&self) -> u64 {
        self.handshake_failures.load(Ordering::Relaxed)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
