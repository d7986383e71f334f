//! Benchmarks of the core operations (filled in below).
fn main() {}
