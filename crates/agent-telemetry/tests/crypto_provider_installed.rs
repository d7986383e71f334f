//! In a process where nothing installs a rustls crypto provider, creating the OpenTelemetry
//! builder installs `ring`, so a reqwest client (built, through Cargo's feature unification,
//! with `rustls-no-provider`) builds instead of panicking. Its own test binary, so no other
//! test installs a provider first (one test function: `cargo test` runs a binary's tests in
//! one process).

use agent_telemetry::otel::OpenTelemetry;
use rustls::crypto::CryptoProvider;

#[test]
fn a_reqwest_client_builds_after_the_opentelemetry_builder() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "the test needs a process without a provider"
    );
    // Without a provider this panics ("No rustls crypto provider is configured"); checked
    // here so the test shows it is the builder that makes the difference.
    let before = std::panic::catch_unwind(|| reqwest::Client::builder().build());
    assert!(
        before.is_err(),
        "reqwest built a TLS client without a provider"
    );

    let _builder = OpenTelemetry::builder("crypto-test");

    let provider = CryptoProvider::get_default().expect("a process default after builder()");
    let ring = rustls::crypto::ring::default_provider();
    assert_eq!(
        provider.cipher_suites.len(),
        ring.cipher_suites.len(),
        "ring's cipher suites"
    );
    reqwest::Client::builder()
        .build()
        .expect("a reqwest client with the installed provider");

    // Idempotent: later calls keep the provider installed first.
    agent_telemetry::ensure_crypto_provider();
    let _again = OpenTelemetry::builder("crypto-test");
    let now = CryptoProvider::get_default().expect("still installed");
    assert!(std::sync::Arc::ptr_eq(provider, now), "replaced");
}
