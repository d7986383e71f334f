//! Shared handles to the three facilities, as [`Telemetry`](crate::Telemetry) holds them:
//! [`SharedLogger`], [`SharedCorrelator`] and [`SharedMeter`].
//!
//! Each is an `Option<Arc<dyn Trait>>` with the trait's methods, both inherent (callable
//! without importing the trait, as on the `Arc<dyn Trait>` it replaces) and through an
//! implementation of the trait (for generic code and [`CorrelatorExt`](crate::CorrelatorExt)).
//! `None` is NoOp, so a call on switched-off telemetry is one inlined branch instead of a
//! virtual call: the `const` noop handles of the `metrics` facade, and `tracing`'s
//! `Dispatch::none()`, applied to the bundle. An implementation that reports
//! [`is_noop`](ContextualCorrelator::is_noop) (the NoOp types, and OpenTelemetry under
//! `OTEL_SDK_DISABLED=true`) is held as `None` too.
//!
//! ```
//! use std::sync::Arc;
//! use telemetry_core::{ContextualCorrelator, CorrelatorExt, NoOpCorrelator, SharedCorrelator};
//!
//! let off = SharedCorrelator::from(Arc::new(NoOpCorrelator) as Arc<dyn ContextualCorrelator>);
//! assert!(off.is_noop());
//! let scope = off.enter_scope("request", &[]); // no virtual call, no allocation
//! assert_eq!(off.correlation_id(), None);
//! # drop(scope);
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::attributes::attribute::Attribute;
use crate::attributes::attribute::AttributeValue;
use crate::ids::CorrelationId;
use crate::logs::level::LogLevel;
use crate::logs::logger::Logger;
use crate::metrics::handles::Counter;
use crate::metrics::handles::F64Counter;
use crate::metrics::handles::Gauge;
use crate::metrics::handles::Histogram;
use crate::metrics::handles::UpDownCounter;
use crate::metrics::instrument::InstrumentDescriptor;
use crate::metrics::meter::Meter;
use crate::noop::NoOpCorrelator;
use crate::noop::NoOpLogger;
use crate::noop::NoOpMeter;
use crate::propagation::{Extractor, Injector, RemoteParent};
use crate::scope::context::Context;
use crate::scope::correlator::ContextualCorrelator;
use crate::scope::guard::Scope;
use crate::scope::options::ScopeOptions;

/// Picks the implementation: the shared one, or the NoOp one inline.
macro_rules! forward {
    ($self:ident, $noop:expr, |$t:ident| $call:expr) => {
        match &$self.0 {
            Some($t) => $call,
            None => {
                let $t = &$noop;
                $call
            }
        }
    };
}

/// The trait's methods on the handle, inherent (so they win method lookup and need no import)
/// and as the trait's implementation, both forwarding to the implementation or to NoOp.
macro_rules! methods {
    ($handle:ident, $tr:ident, $noop:expr;
     $( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?; )*) => {
        impl $handle {
            $(
                #[doc = concat!("[`", stringify!($tr), "::", stringify!($name), "`] on the shared implementation, or nothing for NoOp.")]
                #[inline]
                pub fn $name(&self $(, $arg: $ty)*) $(-> $ret)? {
                    forward!(self, $noop, |x| x.$name($($arg),*))
                }
            )*
        }

        impl $tr for $handle {
            $(
                #[inline]
                fn $name(&self $(, $arg: $ty)*) $(-> $ret)? {
                    $handle::$name(self $(, $arg)*)
                }
            )*
            #[inline]
            fn is_noop(&self) -> bool {
                self.0.is_none()
            }
        }
    };
}

/// Conversions and accessors every handle has.
macro_rules! handle {
    ($name:ident, $tr:ident, $noop:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("The NoOp ", $what, ": every call is one inlined branch.")]
            pub const fn noop() -> Self {
                Self(None)
            }

            #[doc = concat!("A handle to `inner`; `None` inside when `inner` is a NoOp ", $what, ".")]
            pub fn new(inner: Arc<dyn $tr>) -> Self {
                if inner.is_noop() { Self(None) } else { Self(Some(inner)) }
            }

            /// Whether every call does nothing.
            #[inline]
            pub fn is_noop(&self) -> bool {
                self.0.is_none()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::noop()
            }
        }

        impl From<Arc<dyn $tr>> for $name {
            fn from(inner: Arc<dyn $tr>) -> Self {
                Self::new(inner)
            }
        }

        impl<T: $tr + 'static> From<Arc<T>> for $name {
            fn from(inner: Arc<T>) -> Self {
                Self::new(inner)
            }
        }

        impl From<$name> for Arc<dyn $tr> {
            fn from(handle: $name) -> Self {
                handle.0.unwrap_or_else(|| Arc::new($noop))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name))
                    .field(&if self.is_noop() { "noop" } else { "shared" })
                    .finish()
            }
        }
    };
}

/// A shared [`ContextualCorrelator`], as [`Telemetry`](crate::Telemetry) holds it: `None` inside
/// is NoOp, whose calls are an inlined branch instead of a virtual call.
#[derive(Clone)]
pub struct SharedCorrelator(Option<Arc<dyn ContextualCorrelator>>);

handle!(
    SharedCorrelator,
    ContextualCorrelator,
    NoOpCorrelator,
    "correlator"
);

methods! { SharedCorrelator, ContextualCorrelator, NoOpCorrelator;
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope;
    fn current(&self) -> Context;
    fn correlation_id(&self) -> Option<CorrelationId>;
    fn scope_path(&self) -> Vec<String>;
    fn attribute(&self, key: &str) -> Option<AttributeValue>;
    fn extract(&self, carrier: &dyn Extractor) -> Option<RemoteParent>;
    fn inject(&self, context: &Context, carrier: &mut dyn Injector);
}

/// A shared [`Logger`], as [`Telemetry`](crate::Telemetry) holds it: `None` inside is NoOp,
/// whose calls are an inlined branch instead of a virtual call.
#[derive(Clone)]
pub struct SharedLogger(Option<Arc<dyn Logger>>);

handle!(SharedLogger, Logger, NoOpLogger, "logger");

methods! { SharedLogger, Logger, NoOpLogger;
    fn enabled(&self, level: LogLevel) -> bool;
    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]);
    fn level(&self) -> Option<LogLevel>;
    fn set_level(&self, level: Option<LogLevel>);
    fn log_fmt(&self, level: LogLevel, message: fmt::Arguments<'_>, attributes: &[Attribute]);
    fn log_event(&self, level: LogLevel, name: &'static str, body: Option<&str>, attributes: &[Attribute]);
    fn trace(&self, message: &str, attributes: &[Attribute]);
    fn debug(&self, message: &str, attributes: &[Attribute]);
    fn info(&self, message: &str, attributes: &[Attribute]);
    fn warning(&self, message: &str, attributes: &[Attribute]);
    fn error(&self, message: &str, attributes: &[Attribute]);
    fn critical(&self, message: &str, attributes: &[Attribute]);
}

/// A shared [`Meter`], as [`Telemetry`](crate::Telemetry) holds it: `None` inside is NoOp,
/// whose calls are an inlined branch instead of a virtual call.
#[derive(Clone)]
pub struct SharedMeter(Option<Arc<dyn Meter>>);

handle!(SharedMeter, Meter, NoOpMeter, "meter");

methods! { SharedMeter, Meter, NoOpMeter;
    fn counter(&self, descriptor: &InstrumentDescriptor) -> Counter;
    fn f64_counter(&self, descriptor: &InstrumentDescriptor) -> F64Counter;
    fn up_down_counter(&self, descriptor: &InstrumentDescriptor) -> UpDownCounter;
    fn histogram(&self, descriptor: &InstrumentDescriptor) -> Histogram;
    fn gauge(&self, descriptor: &InstrumentDescriptor) -> Gauge;
    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]);
    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]);
    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]);
}
