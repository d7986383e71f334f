//! The instruction-count regression guard (`cargo xtask iai`).
//!
//! `benches/hot_paths.rs` runs each hot path a fixed number of times under Valgrind's Callgrind
//! with [gungraun](https://docs.rs/gungraun); `cargo xtask iai` compares each row's instruction
//! count with `baselines.json` beside this crate's manifest and fails when one grew by more
//! than 3 %. Instruction counts do not depend on the machine's load, so the guard runs in CI.
