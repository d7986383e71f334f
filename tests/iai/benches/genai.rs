//! The GenAI layer's hot path under Callgrind: a `chat` span with token usage, for a model the
//! bundled price table has and for one it lacks. The difference is what the cost costs: the
//! price look-up (`GenAi::cost`), the cost attribute and the cost counter. `cargo xtask iai`
//! gates both rows; README's instruction-count table shows their ratio. The look-up alone is
//! `GenAi::cost` in the priced row's Callgrind profile (`target/gungraun/…/chat_span_priced*`):
//! `callgrind_annotate --inclusive=yes <profile> | grep GenAi::cost`.
//!
//! A file of its own, not part of `hot_paths.rs`: see the crate docs for why.
#![allow(missing_docs)]

use std::hint::black_box;
use std::mem::ManuallyDrop;

use agent_telemetry_benches::otel_discarding;
use agent_telemetry_iai::{repeat, warm};
use gungraun::{library_benchmark, library_benchmark_group, main};
use telemetry_genai::{GenAi, GenAiConfig, Usage, provider};
use telemetry_otel::OpenTelemetry;

/// The GenAI layer over this project's OpenTelemetry implementation (as in `otel`).
struct GenAiFixture {
    genai: GenAi,
    // Dropping would print the console metrics exporter's final export.
    _otel: ManuallyDrop<OpenTelemetry>,
}

fn genai_fixture() -> GenAiFixture {
    let otel = otel_discarding();
    GenAiFixture {
        genai: GenAi::new(&otel.telemetry(), GenAiConfig::default()),
        _otel: ManuallyDrop::new(otel),
    }
}

/// A `chat` span with token usage, for `model`: what every model call records.
fn chat_span(g: &GenAiFixture, model: &'static str) {
    let mut chat = g.genai.chat(provider::OPENAI, model).start();
    chat.response_model(model)
        .usage(Usage::new(black_box(1000), 200).with_cache_read(100));
    chat.end();
}

/// A model in the bundled price table: the span also carries its cost and records the cost
/// counter.
fn chat_priced_op(g: &GenAiFixture) {
    chat_span(g, "gpt-4o-2024-08-06");
}

/// A model with no price (warned about once, in the warm-up): the same span without cost, the
/// floor under the row above.
fn chat_unpriced_op(g: &GenAiFixture) {
    chat_span(g, "in-house-model-7b");
}

fn setup_genai(n: usize, op: fn(&GenAiFixture)) -> (GenAiFixture, usize, fn(&GenAiFixture)) {
    (warm(genai_fixture(), op), n, op)
}

#[library_benchmark]
#[bench::x1000(args = (1000, chat_priced_op), setup = setup_genai)]
fn chat_span_priced((g, n, op): (GenAiFixture, usize, fn(&GenAiFixture))) -> GenAiFixture {
    repeat(g, n, op)
}

#[library_benchmark]
#[bench::x1000(args = (1000, chat_unpriced_op), setup = setup_genai)]
fn chat_span_unpriced((g, n, op): (GenAiFixture, usize, fn(&GenAiFixture))) -> GenAiFixture {
    repeat(g, n, op)
}

library_benchmark_group!(name = genai; benchmarks = chat_span_priced, chat_span_unpriced);

main!(library_benchmark_groups = genai);
