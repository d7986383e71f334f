//! What an implementation of the traits needs and an application does not: the resolved form
//! of a scope and its per-scope hooks, the traits behind instrument handles, the shared
//! by-name recording path, the log record a logger formats, and a few helpers.
//!
//! An implementation's `open_scope` resolves the options and builds the scope, attaching its
//! own per-scope state ([`ScopeExtension`]) in the same allocation:
//!
//! ```
//! use std::any::Any;
//! use telemetry_core::implement::{ScopeExtension};
//! use telemetry_core::{ContextualCorrelator, CorrelatorExt, Scope, ScopeEnd, ScopeOptions};
//!
//! struct Printed(String);
//! impl ScopeExtension for Printed {
//!     fn end(&self, how: ScopeEnd) { println!("{} ended: {how:?}", self.0) }
//!     fn as_any(&self) -> &dyn Any { self }
//! }
//!
//! struct Printing;
//! impl ContextualCorrelator for Printing {
//!     fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
//!         options.resolve().into_scope_with(|r| Printed(format!("{} ({})", r.name, r.span_id)))
//!     }
//! }
//!
//! let guard = Printing.enter_scope("request", &[]);
//! assert!(guard.context().extension::<Printed>().is_some());
//! ```

pub use crate::fxhash::FxHasher;
pub use crate::logs::level::LevelFilter;
pub use crate::logs::logger::EVENT_BODY_ATTRIBUTE;
pub use crate::logs::logger::LogRecord;
pub use crate::metrics::by_name::InstrumentsByName;
pub use crate::metrics::handles::CounterFn;
pub use crate::metrics::handles::F64CounterFn;
pub use crate::metrics::handles::GaugeFn;
pub use crate::metrics::handles::HistogramFn;
pub use crate::metrics::handles::UpDownCounterFn;
pub use crate::metrics::instrument::validate_instrument_name;
pub use crate::scope::resolved::ResolvedScope;
pub use crate::scope::resolved::ScopeObserver;
pub use crate::scope::scope_extension::ScopeExtension;
