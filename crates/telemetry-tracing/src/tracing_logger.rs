//! [`TracingLogger`]: log calls reported as `tracing` events.

use telemetry_core::implement::LevelFilter;
use telemetry_core::{Attribute, Context, LogLevel, Logger};
use tracing::Level;

use crate::bridged::BRIDGE_TARGET;
use crate::tracing_correlator::{Pairs, TracingScope};

/// A [`Logger`] whose log calls are `tracing` events, for applications whose telemetry is a
/// `tracing-subscriber` stack.
///
/// Each call is an event with target [`BRIDGE_TARGET`]: the message as its message, the
/// attributes as `key=value` pairs in the field `attributes` (`tracing` field names are fixed
/// per callsite). Its parent is the current scope's span when that scope is a
/// [`TracingCorrelator`](crate::TracingCorrelator) one, else the current `tracing` span.
/// Levels: `Trace`…`Error` map to the `tracing` levels of the same name, `Critical` to
/// `ERROR` with the field `critical = true` (`tracing` has no higher level).
///
/// A call passes this logger's own level (default `Info`, changed with
/// [`set_level`](Logger::set_level)), then `tracing`'s filters.
#[derive(Debug)]
pub struct TracingLogger {
    level: LevelFilter,
}

impl Default for TracingLogger {
    fn default() -> Self {
        Self::new(LogLevel::Info)
    }
}

impl TracingLogger {
    /// A logger that passes `level` and more severe calls on to `tracing`.
    pub fn new(level: LogLevel) -> Self {
        Self {
            level: LevelFilter::new(level),
        }
    }
}

/// One `tracing` event; a macro because a callsite's level and parent kind are fixed.
macro_rules! emit {
    ($level:expr, $parent:expr, $message:expr, $attributes:expr, $critical:expr) => {
        match $parent {
            Some(parent) => tracing::event!(
                target: BRIDGE_TARGET,
                parent: parent,
                $level,
                attributes = %$attributes,
                critical = $critical,
                "{}",
                $message
            ),
            None => tracing::event!(
                target: BRIDGE_TARGET,
                $level,
                attributes = %$attributes,
                critical = $critical,
                "{}",
                $message
            ),
        }
    };
}

fn tracing_enabled(level: LogLevel) -> bool {
    match level {
        LogLevel::Trace => tracing::level_enabled!(Level::TRACE),
        LogLevel::Debug => tracing::level_enabled!(Level::DEBUG),
        LogLevel::Info => tracing::level_enabled!(Level::INFO),
        LogLevel::Warning => tracing::level_enabled!(Level::WARN),
        LogLevel::Error | LogLevel::Critical => tracing::level_enabled!(Level::ERROR),
    }
}

impl Logger for TracingLogger {
    fn enabled(&self, level: LogLevel) -> bool {
        self.level.enabled(level) && tracing_enabled(level)
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if !self.enabled(level) {
            return;
        }
        let parent =
            Context::with_current(|cx| cx.extension::<TracingScope>().and_then(|s| s.span.id()));
        let attributes = Pairs(attributes);
        match level {
            LogLevel::Trace => emit!(Level::TRACE, parent, message, attributes, false),
            LogLevel::Debug => emit!(Level::DEBUG, parent, message, attributes, false),
            LogLevel::Info => emit!(Level::INFO, parent, message, attributes, false),
            LogLevel::Warning => emit!(Level::WARN, parent, message, attributes, false),
            LogLevel::Error => emit!(Level::ERROR, parent, message, attributes, false),
            LogLevel::Critical => emit!(Level::ERROR, parent, message, attributes, true),
        }
    }

    fn level(&self) -> Option<LogLevel> {
        self.level.get()
    }

    fn set_level(&self, level: Option<LogLevel>) {
        self.level.set(level);
    }
}
