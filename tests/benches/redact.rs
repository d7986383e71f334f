//! Group 6, redaction: the default redactor (gitleaks ruleset plus own rules) on a 4 KB
//! agent message without and with secrets.
//!
//! References in the same run: a plain `str::contains` scan of the same 4 KB for one literal
//! (the least any scan costs), and the no-secret case for the case with secrets.
#![allow(missing_docs)]

use std::hint::black_box;

use agent_telemetry_benches::{SECRETS, agent_message as message};
use criterion::{Criterion, criterion_group, criterion_main};
use telemetry_genai::{DefaultRedactor, Redactor};

const GROUP: &str = "redact";

fn redact(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    let plain = message(&[]);
    let with = message(&SECRETS);
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
