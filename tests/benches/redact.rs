//! Group 6, redaction: the default redactor (gitleaks ruleset plus own rules) on a 4 KB
//! agent message without and with secrets.
//!
//! References in the same run: a plain `str::contains` scan of the same 4 KB for one literal
//! (the least any scan costs), and the no-secret case for the case with secrets.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use telemetry_genai::{DefaultRedactor, Redactor};

const GROUP: &str = "redact";

/// A coding agent's turn: prose, code, paths, ids and the words that make rules run
/// (`key`, `token`, `auth`, `access`, `secret`, `password`), but no secret.
const PARAGRAPH: &str = "The agent opened src/auth/session.rs and read the token refresh logic. \
The access check calls verify_key(&cfg) before the request reaches the handler; the secret \
store is mounted at /var/run/secrets and rotated every 24 hours. Tests in tests/auth.rs fail \
with `expected 200, got 401` after commit 9fceb02d0ae598e95dc970b74767f19372d61af8. \
Request 123e4567-e89b-12d3-a456-426614174000 took 35 ms; max_tokens = 4096, temperature 0.2. \
They asked whether the password policy (12 characters, one digit) applies to API keys too.\n";

fn message(secrets: &[&str]) -> String {
    let mut s = String::with_capacity(4096 + 512);
    let mut i = 0;
    while s.len() < 4096 {
        s.push_str(PARAGRAPH);
        if let Some(secret) = secrets.get(i) {
            s.push_str("Use ");
            s.push_str(secret);
            s.push_str(" for this.\n");
        }
        i += 1;
    }
    s
}

fn redact(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    let plain = message(&[]);
    let with = message(&[
        "AKIAQYLPMN5HHHFPZAM2",
        "ghp_R2fQxL9mZ0bV7cN4kT8sW1yH6jD3aE5uP0oI",
        "sk-proj-Qm3vX9bL2nR7tY5wK8pZ1cF4hJ6dS0aG3eU9iO2x",
        "password=Tr0ub4dor-3",
        "Authorization: Bearer mF7kQ2xZ9pL4wR8tV1nB6cY3hJ0sD5gA",
        "xoxb-202019283746-2020192837465-Qm3vX9bL2nR7tY5wK8pZ1cF4",
        "postgres://app:Pw4kQ2xZ9pL@db.internal:5432/app",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ]);
    assert!(matches!(
        DefaultRedactor.redact(&plain),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(DefaultRedactor.redact(&with).matches("[REDACTED:").count() >= 8);
    g.bench_function("contains_4k", |b| {
        b.iter(|| black_box(black_box(plain.as_str()).contains("sk-ant-api03")))
    });
    g.bench_function("default_4k_no_secret", |b| {
        b.iter(|| drop(black_box(DefaultRedactor.redact(black_box(&plain)))))
    });
    g.bench_function("default_4k_8_secrets", |b| {
        b.iter(|| drop(black_box(DefaultRedactor.redact(black_box(&with)))))
    });
    g.finish();
}

criterion_group!(benches, redact);
criterion_main!(benches);
