//! Logs: levels and their run-time filter ([`level`]), the [`Logger`](logger::Logger) trait
//! and the record an implementation receives ([`logger`]).

pub(crate) mod level;
pub(crate) mod logger;
