//! The [`Logger`] trait and the record it produces.

use std::fmt;
use std::time::SystemTime;

use crate::attributes::attribute::Attribute;

use crate::scope::context::Context;

use crate::logs::level::LogLevel;

/// The attribute that carries an event's body where the sink has no body field of its own: the
/// default [`Logger::log_event`], and span events (which have only a name and attributes).
pub const EVENT_BODY_ATTRIBUTE: &str = "event.body";

/// One log call, as a logger sees it after the level check.
///
/// Borrowed: sinks format or copy what they keep.
#[derive(Clone, Copy, Debug)]
pub struct LogRecord<'a> {
    /// Wall-clock time of the call.
    pub timestamp: SystemTime,
    /// The level.
    pub level: LogLevel,
    /// The message.
    pub message: &'a str,
    /// The call's own attributes.
    pub attributes: &'a [Attribute],
    /// The scope the call was made in: correlation id, span id and scope path.
    pub context: &'a Context,
}

/// Leveled log calls that carry the current correlation id and scope path.
///
/// Object-safe, `Send + Sync`; hold it as a [`SharedLogger`](crate::SharedLogger) (NoOp
/// without a virtual call) or an `Arc<dyn Logger>`. A logger is bound to a
/// [`ContextualCorrelator`](crate::ContextualCorrelator) at construction and reads the
/// current scope from it on each enabled call. Calls are synchronous and never block on I/O
/// for longer than one write of one line.
pub trait Logger: Send + Sync {
    /// Whether a call at `level` would be recorded. One atomic load in the provided
    /// implementations; check it before building expensive messages.
    fn enabled(&self, level: LogLevel) -> bool;

    /// Records `message` at `level` with `attributes`, if enabled.
    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]);

    /// The minimum level recorded; `None` when off.
    fn level(&self) -> Option<LogLevel>;

    /// Changes the minimum level at run time; `None` turns logging off.
    fn set_level(&self, level: Option<LogLevel>);

    /// Records a formatted message, formatting only if `level` is enabled.
    ///
    /// ```
    /// use telemetry_core::{Logger, LogLevel, NoOpLogger};
    /// let n = 3;
    /// NoOpLogger.log_fmt(LogLevel::Info, format_args!("{n} tools ran"), &[]);
    /// ```
    fn log_fmt(&self, level: LogLevel, message: fmt::Arguments<'_>, attributes: &[Attribute]) {
        if !self.enabled(level) {
            return;
        }
        match message.as_str() {
            Some(s) => self.log(level, s, attributes),
            None => self.log(level, &message.to_string(), attributes),
        }
    }

    /// Records a named event: `name` says what happened and is low-cardinality (for example
    /// `gen_ai.user.message`); `body` carries its content, if any.
    ///
    /// Follows the OpenTelemetry Logs data model (*Events*: a log record with an `EventName`
    /// and a `Body`). The OpenTelemetry implementation sets exactly those fields on the log
    /// record and names the span event `name`. The default, used by NoOp and Basic, is a log
    /// call whose message is `name`, with the body in the attribute [`EVENT_BODY_ATTRIBUTE`]
    /// (one allocation, only when there is a body and `level` is enabled).
    fn log_event(
        &self,
        level: LogLevel,
        name: &'static str,
        body: Option<&str>,
        attributes: &[Attribute],
    ) {
        if !self.enabled(level) {
            return;
        }
        match body {
            None => self.log(level, name, attributes),
            Some(body) => {
                let mut all = Vec::with_capacity(attributes.len() + 1);
                all.extend_from_slice(attributes);
                all.push(Attribute::new(EVENT_BODY_ATTRIBUTE, body.to_owned()));
                self.log(level, name, &all);
            }
        }
    }

    /// `log(Trace, …)`.
    fn trace(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Trace, message, attributes);
    }
    /// `log(Debug, …)`.
    fn debug(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Debug, message, attributes);
    }
    /// `log(Info, …)`.
    fn info(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Info, message, attributes);
    }
    /// `log(Warning, …)`.
    fn warning(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Warning, message, attributes);
    }
    /// `log(Error, …)`.
    fn error(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Error, message, attributes);
    }
    /// `log(Critical, …)`.
    fn critical(&self, message: &str, attributes: &[Attribute]) {
        self.log(LogLevel::Critical, message, attributes);
    }

    /// Whether every call does nothing, now and for good (the NoOp logger; a disabled SDK),
    /// whatever [`set_level`](Self::set_level) is later given. A
    /// [`SharedLogger`](crate::SharedLogger) then skips calling it at all.
    fn is_noop(&self) -> bool {
        false
    }
}

/// Logs through `logger` at `level`, building the attributes only when the level is enabled,
/// as `log::log!` and `tracing::event!` do: a disabled call costs one
/// [`enabled`](Logger::enabled) check (a virtual call through `Arc<dyn Logger>`, an inlined
/// branch through a NoOp [`SharedLogger`](crate::SharedLogger), nothing for a statically known
/// [`NoOpLogger`](crate::NoOpLogger)), where `logger.info(msg, &attrs![…])`
/// builds and drops the attribute array first.
///
/// `logger` is anything with the [`Logger`] methods: a logger, a reference, a
/// [`SharedLogger`](crate::SharedLogger), an `Arc<dyn Logger>`.
/// Attributes are `key => value` pairs as in [`attrs!`](crate::attrs).
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::{LogLevel, Logger, NoOpLogger, log};
/// let logger: Arc<dyn Logger> = Arc::new(NoOpLogger);
/// log!(logger, LogLevel::Info, "session created", "agent" => "planner", "turns" => 3);
/// log!(logger, LogLevel::Warning, "slow model");
/// ```
#[macro_export]
macro_rules! log {
    ($logger:expr, $level:expr, $message:expr $(, $key:expr => $value:expr)* $(,)?) => {{
        #[allow(unused_imports)]
        use $crate::Logger as _;
        let logger = &$logger;
        let level: $crate::LogLevel = $level;
        if logger.enabled(level) {
            logger.log(level, $message, &$crate::attrs![$($key => $value),*]);
        }
    }};
}

/// [`log!`](crate::log) at `Trace`.
#[macro_export]
macro_rules! trace {
    ($logger:expr, $($rest:tt)+) => { $crate::log!($logger, $crate::LogLevel::Trace, $($rest)+) };
}

/// [`log!`](crate::log) at `Debug`.
#[macro_export]
macro_rules! debug {
    ($logger:expr, $($rest:tt)+) => { $crate::log!($logger, $crate::LogLevel::Debug, $($rest)+) };
}

/// [`log!`](crate::log) at `Info`.
///
/// ```
/// use telemetry_core::{NoOpLogger, info};
/// info!(NoOpLogger, "session created", "agent" => "planner");
/// ```
#[macro_export]
macro_rules! info {
    ($logger:expr, $($rest:tt)+) => { $crate::log!($logger, $crate::LogLevel::Info, $($rest)+) };
}

/// [`log!`](crate::log) at `Warning`.
#[macro_export]
macro_rules! warning {
    ($logger:expr, $($rest:tt)+) => {
        $crate::log!($logger, $crate::LogLevel::Warning, $($rest)+)
    };
}

/// [`log!`](crate::log) at `Error`.
#[macro_export]
macro_rules! error {
    ($logger:expr, $($rest:tt)+) => { $crate::log!($logger, $crate::LogLevel::Error, $($rest)+) };
}

/// [`log!`](crate::log) at `Critical`.
#[macro_export]
macro_rules! critical {
    ($logger:expr, $($rest:tt)+) => {
        $crate::log!($logger, $crate::LogLevel::Critical, $($rest)+)
    };
}
