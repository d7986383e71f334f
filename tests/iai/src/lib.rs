//! The instruction-count regression guard (`cargo xtask iai`).
//!
//! Each file in `benches/` runs hot paths a fixed number of times under Valgrind's Callgrind
//! with [gungraun](https://docs.rs/gungraun); `cargo xtask iai` compares each row's instruction
//! count with `baselines.json` beside this crate's manifest and fails when one grew by more
//! than 3 %. Instruction counts do not depend on the machine's load, so the guard runs in CI.
//!
//! A row's count also depends on how the compiler lays out the benchmark binary it is in:
//! adding benchmarks to `benches/hot_paths.rs` moved the Basic scope row by 10 % with no
//! library change. New areas therefore get a bench file of their own (`benches/genai.rs`),
//! which leaves the existing rows' binary as it was.

/// Calls of an operation the setups make before measuring: past every first-call path
/// (callsite registration, lazy statics, interning, price look-ups).
pub const WARM_UP: usize = 100;

/// `fixture` after [`WARM_UP`] calls of `op`.
pub fn warm<F>(fixture: F, op: fn(&F)) -> F {
    for _ in 0..WARM_UP {
        op(&fixture);
    }
    fixture
}

/// `fixture` after `n` calls of `op`: the measured loop. The fixture is returned so that it is
/// dropped outside the measured function.
pub fn repeat<F>(fixture: F, n: usize, op: fn(&F)) -> F {
    for _ in 0..n {
        op(&fixture);
    }
    fixture
}
