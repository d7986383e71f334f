//! Attributes: key/value pairs with OpenTelemetry's value set ([`attribute`]), their string
//! form ([`string_value`]), and the set with unique keys every scope keeps ([`attribute_set`]).

#[macro_use]
pub(crate) mod attribute;
pub(crate) mod attribute_set;
pub(crate) mod string_value;
