//! [`FileLogger`]: JSON lines appended to a file.

use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use telemetry_core::implement::LevelFilter;
use telemetry_core::{
    Attribute, ContextualCorrelator, Lifecycle, LogLevel, Logger, TelemetryError,
};

use crate::logs::format::LogFormat;
use crate::logs::writer::{LineLogger, LineWriter};

/// A logger that appends JSON lines ([`LogFormat::Json`]) to a file.
///
/// - [`open`](Self::open) creates missing parent directories and opens the file for
///   appending, so restarts and several processes add to it rather than truncate it.
/// - Each record is one unbuffered `write_all` of a whole line to a file opened with
///   `O_APPEND`: nothing sits in a user-space buffer, so nothing is lost on a crash or a
///   missing shutdown, and [`force_flush`](Lifecycle::force_flush) has nothing to wait for
///   (it does not `fsync`).
/// - A failed write never panics or returns an error to the caller: the line is counted in
///   [`dropped_lines`](Self::dropped_lines) and the first failure is reported once on stderr.
/// - After [`shutdown`](Lifecycle::shutdown) records are dropped and counted the same way, as
///   OpenTelemetry SDKs do after shutdown.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::Logger;
/// use telemetry_basic::{BasicContextualCorrelator, FileLogger};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("logs/agent.jsonl");
/// let logger = FileLogger::open(&path, Arc::new(BasicContextualCorrelator))?;
/// logger.info("started", &[]);
/// let text = std::fs::read_to_string(&path)?;
/// assert!(text.starts_with('{') && text.ends_with("}\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FileLogger {
    inner: LineLogger,
    path: PathBuf,
    shut_down: AtomicBool,
}

impl FileLogger {
    /// Opens (creating it and its parent directories if needed) `path` for appending JSON
    /// lines at [`LogLevel::Info`].
    ///
    /// # Errors
    /// [`FileLoggerError`] naming the path and the OS error when a parent directory cannot be
    /// created or the file cannot be opened for writing.
    pub fn open(
        path: impl AsRef<Path>,
        correlator: Arc<dyn ContextualCorrelator>,
    ) -> Result<Self, FileLoggerError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| FileLoggerError {
                path: path.clone(),
                action: Action::CreateParent(parent.to_path_buf()),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| FileLoggerError {
                path: path.clone(),
                action: Action::Open,
                source,
            })?;
        Ok(Self {
            inner: LineLogger {
                correlator,
                filter: LevelFilter::new(LogLevel::Info),
                format: LogFormat::Json,
                color: false,
                writer: LineWriter::new(Box::new(file), format!("log file {}", path.display())),
            },
            path,
            shut_down: AtomicBool::new(false),
        })
    }

    /// Sets the minimum level (default [`LogLevel::Info`]). Change it later with
    /// [`Logger::set_level`].
    ///
    /// This builder method shadows [`Logger::level`] on a concrete `FileLogger`; read the
    /// current level with `Logger::level(&logger)` (or through `Arc<dyn Logger>`).
    pub fn level(self, l: LogLevel) -> Self {
        self.inner.filter.set(Some(l));
        self
    }

    /// The file's path, as given to [`open`](Self::open).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many lines could not be written (a write failed, or the logger was shut down)
    /// since opening.
    pub fn dropped_lines(&self) -> u64 {
        self.inner.writer.dropped()
    }
}

impl Logger for FileLogger {
    #[inline]
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.filter.enabled(level)
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if !self.inner.filter.enabled(level) {
            return;
        }
        if self.shut_down.load(Ordering::Acquire) {
            self.inner.writer.drop_line(&"the logger was shut down");
            return;
        }
        self.inner.log(level, message, attributes);
    }

    fn level(&self) -> Option<LogLevel> {
        self.inner.filter.get()
    }

    fn set_level(&self, level: Option<LogLevel>) {
        self.inner.filter.set(level);
    }
}

#[async_trait::async_trait]
impl Lifecycle for FileLogger {
    /// Flushes the file handle. Lines are written unbuffered, so this returns at once.
    async fn force_flush(&self, _timeout: Duration) -> Result<(), TelemetryError> {
        self.inner.writer.flush().map_err(|e| {
            TelemetryError::with_source(
                format!("flushing log file {} failed", self.path.display()),
                e,
            )
        })
    }

    /// Flushes, then drops (and counts) later records. Idempotent.
    async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError> {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.force_flush(timeout).await
    }
}

impl fmt::Debug for FileLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLogger")
            .field("path", &self.path)
            .field("level", &self.inner.filter.get())
            .field("dropped_lines", &self.dropped_lines())
            .finish()
    }
}

#[derive(Debug)]
enum Action {
    CreateParent(PathBuf),
    Open,
}

/// A log file that could not be opened: names the path, what was attempted and the OS error
/// (available as [`source`](std::error::Error::source)).
#[derive(Debug)]
pub struct FileLoggerError {
    path: PathBuf,
    action: Action,
    source: io::Error,
}

impl FileLoggerError {
    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The OS error's kind.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

impl fmt::Display for FileLoggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::CreateParent(dir) => write!(
                f,
                "cannot open log file {}: creating directory {} failed: {}",
                self.path.display(),
                dir.display(),
                self.source
            ),
            Action::Open => write!(
                f,
                "cannot open log file {} for appending: {}",
                self.path.display(),
                self.source
            ),
        }
    }
}

impl std::error::Error for FileLoggerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
