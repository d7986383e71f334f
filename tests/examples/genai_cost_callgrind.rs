//! Instruction counts of the GenAI cost look-up against the whole inference span, for
//! `valgrind --tool=callgrind` (instruction counts are stable on a shared machine, where
//! wall-clock timings are not):
//!
//! ```text
//! cargo build --profile bench -p agent-telemetry-benches --example genai_cost_callgrind
//! valgrind --tool=callgrind --callgrind-out-file=cost.out \
//!     target/bench/examples/genai_cost_callgrind 20000
//! callgrind_annotate --inclusive=yes cost.out | grep -E 'inference_spans|GenAi::cost|Metrics::cost'
//! ```
//!
//! `inference_spans` opens, fills (usage) and ends `n` chat spans of a priced model under the
//! OpenTelemetry implementation (simple span processor, discarding exporter, as in the `otel`
//! benchmark group) with one warm-up span first, so the price is already resolved and kept;
//! `GenAi::cost` is the look-up and the price arithmetic per span, `Metrics::cost` the cost
//! counter's record.
#![allow(missing_docs)]

use std::hint::black_box;

use telemetry_genai::{GenAi, GenAiConfig, Usage, provider};

#[inline(never)]
fn inference_spans(genai: &GenAi, n: u64) {
    for i in 0..n {
        let mut chat = genai.chat(provider::OPENAI, "gpt-4o").start();
        chat.response_model("gpt-4o-2024-08-06")
            .usage(Usage::new(black_box(1000 + i % 7), 200).with_cache_read(100));
        chat.end();
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let otel = agent_telemetry_benches::otel_discarding();
    let genai = GenAi::new(&otel.telemetry(), GenAiConfig::default());
    // Resolves the price (and parses the bundled table) outside the measured loop.
    inference_spans(&genai, 1);
    inference_spans(&genai, n);
    assert_eq!(genai.unpriced_operations(), 0);
}
