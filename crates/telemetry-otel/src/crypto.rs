//! rustls' process-wide crypto provider, for reqwest clients in the same build.

use rustls::crypto::CryptoProvider;

/// Makes `ring` rustls' process-wide default [`CryptoProvider`] unless one is installed
/// already, which is then kept (the application's choice always wins). Idempotent, cheap after
/// the first call, never fails and never panics.
///
/// Why: this crate builds reqwest with its `rustls-no-provider` feature (its HTTP exporters
/// bring their own `ring` configuration, and `aws-lc-rs` would need cmake). Cargo unifies
/// features, so every reqwest client in the same program is built that way too, and reqwest
/// 0.13 panics in `Client::builder().build()` when rustls has no process default.
/// [`OpenTelemetry::builder`](crate::OpenTelemetry::builder) (and so
/// [`from_env`](crate::OpenTelemetry::from_env)) calls this first, so a client built after
/// the telemetry, as services do, just works. Call it yourself only to build a reqwest client
/// before any OpenTelemetry value (for example with Basic telemetry only).
pub fn ensure_crypto_provider() {
    if CryptoProvider::get_default().is_none() {
        // Err means another thread installed one since the check: that one stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
