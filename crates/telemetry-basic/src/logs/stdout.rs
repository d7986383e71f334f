//! [`StdoutLogger`]: text or JSON lines to stdout or any writer.

use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use telemetry_core::implement::LevelFilter;
use telemetry_core::{
    Attribute, ContextualCorrelator, Lifecycle, LogLevel, Logger, TelemetryError,
};

use crate::logs::format::ColorChoice;
use crate::logs::format::LogFormat;
use crate::logs::writer::{LineLogger, LineWriter};

/// A logger that writes one line per record to stdout (or any writer): text by default, or
/// JSON lines. See [`LogFormat`] for both layouts.
///
/// - The correlation id, span id and scope path come from the bound correlator's
///   [`current`](ContextualCorrelator::current) scope at the time of the call.
/// - [`enabled`](Logger::enabled) is one relaxed atomic load; [`set_level`](Logger::set_level)
///   changes the level at run time from any thread.
/// - Each record is formatted into a reusable per-thread buffer, then written with one
///   `write_all` under a lock, so lines from concurrent tasks never interleave.
/// - A failed write never panics or returns an error to the caller: the line is counted in
///   [`dropped_lines`](Self::dropped_lines) and the first failure is reported once on stderr.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::{CorrelatorExt, LogLevel, Logger, attrs};
/// use telemetry_basic::{BasicContextualCorrelator, ColorChoice, LogFormat, MemoryWriter, StdoutLogger};
///
/// let correlator = Arc::new(BasicContextualCorrelator::new());
/// let out = MemoryWriter::new();
/// let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()))
///     .format(LogFormat::Text)
///     .level(LogLevel::Debug)
///     .color(ColorChoice::Never);
///
/// let _request = correlator.enter_scope("POST /v1/sessions", &[]);
/// logger.info("session created", &attrs!["agent" => "planner"]);
/// let line = &out.lines()[0];
/// assert!(line.contains(" INFO  [") && line.ends_with("[POST /v1/sessions] session created agent=planner"));
/// ```
pub struct StdoutLogger {
    inner: LineLogger,
    color_choice: ColorChoice,
    is_stdout: bool,
}

impl StdoutLogger {
    /// A logger writing text at [`LogLevel::Info`] to the process's stdout, with
    /// [`ColorChoice::Auto`].
    pub fn new(correlator: Arc<dyn ContextualCorrelator>) -> Self {
        Self::build(correlator, Box::new(std::io::stdout()), true, "stdout")
    }

    /// A logger writing to `writer`, for example `std::io::sink()` for benchmarks or a
    /// [`MemoryWriter`](crate::MemoryWriter) for tests. Text, [`LogLevel::Info`],
    /// [`ColorChoice::Auto`] (which means no colours for any writer but stdout).
    ///
    /// The writer gets one `write_all` per line; wrap a file in a `BufWriter` only if
    /// something flushes it (this logger's [`Lifecycle::force_flush`] does).
    pub fn with_writer(
        correlator: Arc<dyn ContextualCorrelator>,
        writer: Box<dyn Write + Send>,
    ) -> Self {
        Self::build(correlator, writer, false, "the log writer")
    }

    fn build(
        correlator: Arc<dyn ContextualCorrelator>,
        writer: Box<dyn Write + Send>,
        is_stdout: bool,
        what: &str,
    ) -> Self {
        let color_choice = ColorChoice::Auto;
        Self {
            inner: LineLogger {
                correlator,
                filter: LevelFilter::new(LogLevel::Info),
                format: LogFormat::Text,
                color: color_choice.resolve(is_stdout),
                writer: LineWriter::new(writer, what.to_owned()),
            },
            color_choice,
            is_stdout,
        }
    }

    /// Sets the line format (default [`LogFormat::Text`]).
    pub fn format(mut self, f: LogFormat) -> Self {
        self.inner.format = f;
        self
    }

    /// Sets the minimum level (default [`LogLevel::Info`]). Change it later with
    /// [`Logger::set_level`].
    ///
    /// This builder method shadows [`Logger::level`] on a concrete `StdoutLogger`; read the
    /// current level with `Logger::level(&logger)` (or through `Arc<dyn Logger>`).
    pub fn level(self, l: LogLevel) -> Self {
        self.inner.filter.set(Some(l));
        self
    }

    /// Sets whether the level is coloured in the text format (default
    /// [`ColorChoice::Auto`]). Decided once, here.
    pub fn color(mut self, c: ColorChoice) -> Self {
        self.color_choice = c;
        self.inner.color = c.resolve(self.is_stdout);
        self
    }

    /// How many lines could not be written (the writer returned an error) since creation.
    pub fn dropped_lines(&self) -> u64 {
        self.inner.writer.dropped()
    }

    /// The line format.
    pub fn log_format(&self) -> LogFormat {
        self.inner.format
    }
}

impl Logger for StdoutLogger {
    #[inline]
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.filter.enabled(level)
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        self.inner.log(level, message, attributes);
    }

    fn level(&self) -> Option<LogLevel> {
        self.inner.filter.get()
    }

    fn set_level(&self, level: Option<LogLevel>) {
        self.inner.filter.set(level);
    }
}

/// Flushes the writer (stdout is line-buffered by the standard library; other writers may
/// buffer more). The flush is one short blocking call on the calling thread; `timeout` is not
/// needed for it.
#[async_trait::async_trait]
impl Lifecycle for StdoutLogger {
    async fn force_flush(&self, _timeout: Duration) -> Result<(), TelemetryError> {
        self.inner
            .writer
            .flush()
            .map_err(|e| TelemetryError::with_source("flushing the stdout logger failed", e))
    }

    async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError> {
        self.force_flush(timeout).await
    }
}

impl fmt::Debug for StdoutLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdoutLogger")
            .field("format", &self.inner.format)
            .field("level", &self.inner.filter.get())
            .field("color", &self.color_choice)
            .field("stdout", &self.is_stdout)
            .field("dropped_lines", &self.dropped_lines())
            .finish()
    }
}
