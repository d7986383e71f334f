//! [`CompositeLogger`]: one call, several loggers.

use std::fmt;
use std::sync::Arc;

use telemetry_core::{Attribute, LogLevel, Logger};

/// Sends each record to every child logger whose level lets it through, for example text to
/// stdout at `info` and JSON to a file at `debug`.
///
/// - [`enabled`](Logger::enabled) is true when any child is enabled.
/// - [`level`](Logger::level) is the most verbose child level (`None` when every child is off).
/// - [`set_level`](Logger::set_level) sets the level of every child.
///
/// Each child reads the current scope itself, so all of them see the same correlation id.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::{Logger, LogLevel};
/// use telemetry_basic::{BasicContextualCorrelator, CompositeLogger, MemoryWriter, StdoutLogger};
///
/// let c = Arc::new(BasicContextualCorrelator);
/// let (a, b) = (MemoryWriter::new(), MemoryWriter::new());
/// let logger = CompositeLogger::new(vec![
///     Arc::new(StdoutLogger::with_writer(c.clone(), Box::new(a.clone()))),
///     Arc::new(StdoutLogger::with_writer(c, Box::new(b.clone())).level(LogLevel::Error)),
/// ]);
/// logger.info("to a only", &[]);
/// logger.error("to both", &[]);
/// assert_eq!((a.lines().len(), b.lines().len()), (2, 1));
/// ```
#[derive(Clone, Default)]
pub struct CompositeLogger {
    children: Vec<Arc<dyn Logger>>,
}

impl CompositeLogger {
    /// A logger that fans out to `children`, in order.
    pub fn new(children: Vec<Arc<dyn Logger>>) -> Self {
        Self { children }
    }

    /// The child loggers, in order.
    pub fn children(&self) -> &[Arc<dyn Logger>] {
        &self.children
    }
}

impl Logger for CompositeLogger {
    #[inline]
    fn enabled(&self, level: LogLevel) -> bool {
        self.children.iter().any(|c| c.enabled(level))
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        for child in &self.children {
            if child.enabled(level) {
                child.log(level, message, attributes);
            }
        }
    }

    fn level(&self) -> Option<LogLevel> {
        self.children.iter().filter_map(|c| c.level()).min()
    }

    fn set_level(&self, level: Option<LogLevel>) {
        for child in &self.children {
            child.set_level(level);
        }
    }
}

impl fmt::Debug for CompositeLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompositeLogger")
            .field("children", &self.children.len())
            .field("level", &self.level())
            .finish()
    }
}
