//! The shared line writer behind the loggers, and [`MemoryWriter`] for tests.

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::SystemTime;

use parking_lot::Mutex;
use telemetry_core::implement::{LevelFilter, LogRecord};
use telemetry_core::{Attribute, ContextualCorrelator, LogLevel};

use crate::logs::format::LogFormat;

thread_local! {
    /// A reusable per-thread line buffer: formatting allocates only until it has grown to the
    /// longest line this thread wrote.
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Lines longer than this are not kept in the thread-local buffer after writing, so one huge
/// record does not pin memory for the thread's lifetime.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Everything a line logger needs: the bound correlator, the level, the format and a writer
/// that takes whole lines.
pub(crate) struct LineLogger {
    pub(crate) correlator: Arc<dyn ContextualCorrelator>,
    pub(crate) filter: LevelFilter,
    pub(crate) format: LogFormat,
    pub(crate) color: bool,
    pub(crate) writer: LineWriter,
}

impl LineLogger {
    pub(crate) fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if !self.filter.enabled(level) {
            return;
        }
        let context = self.correlator.current();
        let record = LogRecord {
            timestamp: SystemTime::now(),
            level,
            message,
            attributes,
            context: &context,
        };
        let write = |buf: &mut Vec<u8>| {
            buf.clear();
            self.format.write_record(&record, self.color, buf);
            self.writer.write_line(buf);
        };
        // A re-entrant call (a writer that logs) or thread-local teardown gets a fresh buffer.
        let reused = LINE.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                write(&mut buf);
                if buf.capacity() > KEEP_CAPACITY {
                    *buf = Vec::new();
                }
                true
            }
            Err(_) => false,
        });
        if reused != Ok(true) {
            write(&mut Vec::with_capacity(256));
        }
    }
}

/// A writer that takes one whole line per call under a lock, so lines never interleave, and
/// counts the lines it could not write instead of failing the caller.
pub(crate) struct LineWriter {
    inner: Mutex<Box<dyn Write + Send>>,
    dropped: AtomicU64,
    warned: AtomicBool,
    what: String,
}

impl LineWriter {
    pub(crate) fn new(inner: Box<dyn Write + Send>, what: String) -> Self {
        Self {
            inner: Mutex::new(inner),
            dropped: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            what,
        }
    }

    pub(crate) fn write_line(&self, line: &[u8]) {
        let result = self.inner.lock().write_all(line);
        if let Err(e) = result {
            self.drop_line(&e);
        }
    }

    #[cold]
    pub(crate) fn drop_line(&self, error: &dyn std::fmt::Display) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        if !self.warned.swap(true, Ordering::Relaxed) {
            eprintln!(
                "agent-telemetry: dropping log line: writing to {} failed: {error} (warned once; \
                 see dropped_lines())",
                self.what
            );
        }
    }

    pub(crate) fn flush(&self) -> io::Result<()> {
        self.inner.lock().flush()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// An in-memory, cloneable writer: every clone appends to the same buffer. For tests and
/// for capturing logs in-process.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::Logger;
/// use telemetry_basic::{BasicContextualCorrelator, LogFormat, MemoryWriter, StdoutLogger};
///
/// let buffer = MemoryWriter::new();
/// let logger = StdoutLogger::with_writer(Arc::new(BasicContextualCorrelator), Box::new(buffer.clone()))
///     .format(LogFormat::Json);
/// logger.info("hello", &[]);
/// assert_eq!(buffer.lines().len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryWriter(Arc<Mutex<Vec<u8>>>);

impl MemoryWriter {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far, as UTF-8 (invalid sequences replaced).
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock()).into_owned()
    }

    /// The complete lines written so far, without their `\n`.
    pub fn lines(&self) -> Vec<String> {
        let contents = self.contents();
        let complete = contents.rfind('\n').map_or("", |end| &contents[..end]);
        if complete.is_empty() && !contents.starts_with('\n') {
            return Vec::new();
        }
        complete.split('\n').map(str::to_owned).collect()
    }

    /// Empties the buffer.
    pub fn clear(&self) {
        self.0.lock().clear();
    }
}

impl Write for MemoryWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.lock().extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
