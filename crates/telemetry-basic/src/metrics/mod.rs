//! The in-memory meter ([`meter`]), the snapshots it takes ([`snapshot`]) and their Prometheus
//! text rendering ([`prometheus`]).

pub(crate) mod instrument;
pub(crate) mod meter;
pub(crate) mod prometheus;
pub(crate) mod snapshot;
