//! Metrics: what an instrument is ([`instrument`]), the handles that record into one
//! ([`handles`]), the [`Meter`](meter::Meter) trait ([`meter`]) and the shared by-name
//! recording path ([`by_name`]).

pub(crate) mod by_name;
pub(crate) mod handles;
pub(crate) mod instrument;
pub(crate) mod meter;
