//! TLS of the OTLP exporters: the PEM files named by `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,
//! LOGS_}CERTIFICATE`, `..._CLIENT_CERTIFICATE` and `..._CLIENT_KEY`, read and checked when
//! the pipeline is built, and the client configurations made from them: tonic's
//! `ClientTlsConfig` for gRPC, a rustls `ClientConfig` for the HTTP exporters' reqwest client.
//!
//! Source: OpenTelemetry specification, *OTLP Exporter Configuration* (Certificate File, Client
//! Certificate File, Client Key File). rustls with the `ring` provider throughout. Without a
//! CA file the platform's roots and the webpki (Mozilla) roots are trusted; with one, only
//! that CA bundle is.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use crate::config::error::ConfigError;

/// One PEM file: the variable (or builder method) that named it, its path and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PemFile {
    pub(crate) var: String,
    pub(crate) path: String,
    pub(crate) pem: Vec<u8>,
}

/// The TLS material of one signal's exporter, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// CA bundle to trust instead of the default roots.
    pub(crate) ca: Option<PemFile>,
    /// Client certificate chain and its private key (mutual TLS).
    pub(crate) client: Option<(PemFile, PemFile)>,
}

/// TLS files set in code; each wins over the variables.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOverrides {
    pub(crate) certificate: Option<String>,
    pub(crate) client_certificate: Option<String>,
    pub(crate) client_key: Option<String>,
}

const CERT_EXPECTED: &str = "a PEM file holding at least one X.509 CERTIFICATE block";
const KEY_EXPECTED: &str = "a PEM file holding a private key (PKCS#8, PKCS#1 or SEC1)";

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsOverrides {
    /// Reads and checks the files of one signal. `pick(name)` returns the `(variable, value)`
    /// of the signal-specific or generic variable `OTEL_EXPORTER_OTLP_[SIGNAL_]{name}`.
    pub(crate) fn resolve(
        &self,
        pick: impl Fn(&str) -> Option<(String, String)>,
    ) -> Result<TlsFiles, ConfigError> {
        let choose = |code: &Option<String>, method: &str, name: &str| match code {
            Some(path) => Some((format!("OpenTelemetryBuilder::{method}"), path.clone())),
            None => pick(name),
        };
        let ca = choose(&self.certificate, "with_certificate", "CERTIFICATE")
            .map(|(var, path)| read(var, path))
            .transpose()?;
        if let Some(ca) = &ca {
            roots_of(ca)?;
        }
        let cert = choose(
            &self.client_certificate,
            "with_client_certificate",
            "CLIENT_CERTIFICATE",
        );
        let key = choose(&self.client_key, "with_client_certificate", "CLIENT_KEY");
        let client = match (cert, key) {
            (None, None) => None,
            (Some((var, path)), None) => {
                return Err(ConfigError::new(
                    var.replace("CLIENT_CERTIFICATE", "CLIENT_KEY"),
                    "",
                    format!("the client certificate's private key, since {var}={path} is set"),
                ));
            }
            (None, Some((var, path))) => {
                return Err(ConfigError::new(
                    var.replace("CLIENT_KEY", "CLIENT_CERTIFICATE"),
                    "",
                    format!("the client certificate of the private key {var}={path}"),
                ));
            }
            (Some((cv, cp)), Some((kv, kp))) => {
                let cert = read(cv, cp)?;
                let key = read(kv, kp)?;
                let chain = certs_of(&cert)?;
                let private = key_of(&key)?;
                // Loads the key and compares it with the certificate's public key.
                rustls::sign::CertifiedKey::from_der(chain, private, &provider())
                    .map_err(|e| key_mismatch(&cert, &key, e))?;
                Some((cert, key))
            }
        };
        Ok(TlsFiles { ca, client })
    }
}

fn read(var: String, path: String) -> Result<PemFile, ConfigError> {
    match std::fs::read(Path::new(&path)) {
        Ok(pem) => Ok(PemFile { var, path, pem }),
        Err(e) => Err(ConfigError::new(
            var,
            path,
            format!("a readable PEM file ({e})"),
        )),
    }
}

fn certs_of(file: &PemFile) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    match CertificateDer::pem_slice_iter(&file.pem).collect::<Result<Vec<_>, _>>() {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        _ => Err(ConfigError::new(
            file.var.clone(),
            file.path.clone(),
            CERT_EXPECTED,
        )),
    }
}

fn key_of(file: &PemFile) -> Result<PrivateKeyDer<'static>, ConfigError> {
    PrivateKeyDer::from_pem_slice(&file.pem)
        .map_err(|_| ConfigError::new(file.var.clone(), file.path.clone(), KEY_EXPECTED))
}

/// The error of a private key that does not match its client certificate, on the key's
/// variable.
fn key_mismatch(cert: &PemFile, key: &PemFile, e: rustls::Error) -> ConfigError {
    ConfigError::new(
        key.var.clone(),
        key.path.clone(),
        format!(
            "a private key matching the client certificate {} ({e})",
            cert.path
        ),
    )
}

fn roots_of(ca: &PemFile) -> Result<RootCertStore, ConfigError> {
    let mut roots = RootCertStore::empty();
    for cert in certs_of(ca)? {
        roots.add(cert).map_err(|e| {
            ConfigError::new(
                ca.var.clone(),
                ca.path.clone(),
                format!("{CERT_EXPECTED} of valid CA certificates ({e})"),
            )
        })?;
    }
    Ok(roots)
}

impl TlsFiles {
    /// tonic's TLS configuration for an `https://` gRPC endpoint.
    pub(crate) fn grpc(&self) -> ClientTlsConfig {
        let mut tls = ClientTlsConfig::new();
        tls = match &self.ca {
            Some(ca) => tls.ca_certificate(Certificate::from_pem(&ca.pem)),
            None => tls.with_enabled_roots(),
        };
        if let Some((cert, key)) = &self.client {
            tls = tls.identity(Identity::from_pem(&cert.pem, &key.pem));
        }
        tls
    }

    /// The rustls configuration of the HTTP exporters' client (ring provider): the CA bundle,
    /// or the platform's and webpki's roots; the client certificate when set. Files were
    /// checked by [`TlsOverrides::resolve`], so errors here are unexpected and reported as
    /// such.
    pub(crate) fn http(&self, https: bool) -> Result<rustls::ClientConfig, ConfigError> {
        let roots = match &self.ca {
            Some(ca) => roots_of(ca)?,
            // Plain http:// never verifies a certificate: skip reading the system store.
            None if !https => RootCertStore::empty(),
            None => default_roots(),
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::new("TLS", "ring", format!("a usable provider ({e})")))?
            .with_root_certificates(roots);
        match &self.client {
            None => Ok(builder.with_no_client_auth()),
            Some((cert, key)) => builder
                .with_client_auth_cert(certs_of(cert)?, key_of(key)?)
                .map_err(|e| key_mismatch(cert, key, e)),
        }
    }
}

/// The platform's trusted roots (unreadable ones skipped) and the webpki (Mozilla) roots, as
/// tonic's `with_enabled_roots` uses for gRPC.
fn default_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    let _ = roots.add_parsable_certificates(native.certs);
    roots
}
