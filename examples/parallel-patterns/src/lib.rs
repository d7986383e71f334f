//! Parallel patterns (work in progress).
