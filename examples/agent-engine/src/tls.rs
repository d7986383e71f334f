//! The engine's HTTP clients (model provider, task API, simulator): reqwest on rustls with the
//! `ring` provider (no C toolchain needed), trusting the platform's roots, the webpki (Mozilla)
//! roots and, when `AGENT_ENGINE_CA_CERTIFICATE` names one, an extra PEM CA bundle (a private
//! CA, or a test CA).
//!
//! Every reqwest client in the engine is built here: reqwest is compiled without a default
//! crypto provider (its default would be aws-lc-rs, which needs cmake), so a client built with
//! `reqwest::Client::new()` in this build panics.
//!
//! ```
//! let http = agent_engine::tls::client().unwrap();
//! # let _ = http;
//! ```

use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::config::ConfigError;

/// The variable naming an extra PEM CA bundle to trust.
pub const CA_CERTIFICATE_VAR: &str = "AGENT_ENGINE_CA_CERTIFICATE";

/// A reqwest client builder with the engine's TLS configuration (see the module docs).
///
/// # Errors
/// [`ConfigError`] naming `AGENT_ENGINE_CA_CERTIFICATE` and the path when the file is
/// unreadable or holds no PEM certificate.
pub fn client_builder() -> Result<reqwest::ClientBuilder, ConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let _ = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = std::env::var_os(CA_CERTIFICATE_VAR).filter(|p| !p.is_empty()) {
        let shown = path.to_string_lossy().into_owned();
        let pem = std::fs::read(&path).map_err(|e| {
            ConfigError::new(format!(
                "invalid {CA_CERTIFICATE_VAR}={shown:?}: expected a readable PEM file ({e})"
            ))
        })?;
        let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(ConfigError::new(format!(
                "invalid {CA_CERTIFICATE_VAR}={shown:?}: expected a PEM file holding at least \
                 one X.509 CA certificate"
            )));
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ConfigError::new(format!("cannot configure TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls))
}

/// A client with the engine's TLS configuration and no other settings.
///
/// # Errors
/// As [`client_builder`], or when reqwest cannot build the client.
pub fn client() -> Result<reqwest::Client, ConfigError> {
    client_builder()?
        .build()
        .map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))
}
