//! Helpers shared by the test binaries. Each test binary compiles this module on its own and
//! uses part of it, so what one binary leaves unused is not dead code.
#![allow(dead_code)]

pub(crate) mod api;
pub(crate) mod engine;
