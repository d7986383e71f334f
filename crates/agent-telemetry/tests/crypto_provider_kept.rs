//! An application that installed its own rustls crypto provider keeps it: creating the
//! OpenTelemetry builder or calling `ensure_crypto_provider` does not replace it. Its own test
//! binary, so the application's provider is the first one in the process.

use std::sync::Arc;

use agent_telemetry::otel::OpenTelemetry;
use rustls::crypto::CryptoProvider;

#[test]
fn the_applications_provider_is_kept() {
    // Recognisable: ring restricted to one TLS 1.3 cipher suite.
    let mut mine = rustls::crypto::ring::default_provider();
    mine.cipher_suites
        .retain(|s| s.suite() == rustls::CipherSuite::TLS13_AES_256_GCM_SHA384);
    assert_eq!(mine.cipher_suites.len(), 1);
    mine.install_default()
        .expect("the first provider of this process");
    let installed = CryptoProvider::get_default().expect("installed").clone();

    let _builder = OpenTelemetry::builder("crypto-test");
    agent_telemetry::ensure_crypto_provider();

    let now = CryptoProvider::get_default().expect("still installed");
    assert!(
        Arc::ptr_eq(&installed, now),
        "the application's provider was replaced"
    );
    assert_eq!(now.cipher_suites.len(), 1);
    reqwest::Client::builder()
        .build()
        .expect("a reqwest client with the application's provider");
}
