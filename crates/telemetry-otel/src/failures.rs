//! What did not reach the backend: the public [`ExportFailures`] counts, and the shared
//! [`Stats`] that the counting exporters, the scopes and the logger feed.
//!
//! SDK 0.33's `force_flush` reports only each processor's last batch, and `shutdown` only the
//! metric reader's last export (the batch processors' shutdown returns `Ok` whatever their
//! exports did), so failures are counted here instead, per signal, and reported as
//! rate-limited warnings on stderr: the fallback logger, because the telemetry pipeline itself
//! is what is failing. A backend that does not accept a signal at all is told apart and
//! warned about once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use parking_lot::Mutex;

use crate::cause;
use crate::drops::{Backlog, DropReason, DroppedItems, unix_ms};
use crate::rate_limit::{RateLimit, WARN_INTERVAL};
use crate::signal::Signal;

/// Counts of one signal. See [`ExportFailures`].
///
/// Over OTLP, a batch whose export fails with a retryable outcome (connection refused, HTTP
/// 429/502/503/504, gRPC `UNAVAILABLE`, …) is not lost: it waits in the export queue and is
/// tried again (see the [crate](crate#delivery-through-outages) docs). So `failed_exports`
/// counts attempts, `retries` those that were tried again, and `failed_items` only what was
/// finally given up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignalFailures {
    /// Export attempts that failed (one attempt carries one batch; a batch retried through an
    /// outage counts once per failed attempt).
    pub failed_exports: u64,
    /// Items (spans, log records, metric exports) lost after a failed export: the answer was
    /// not retryable (HTTP 400, 401, 500, gRPC `INVALID_ARGUMENT`, …), the retry window
    /// passed, or shutdown's deadline came with the batch still undelivered and no spool.
    /// [`DroppedItems`] tells these reasons apart.
    pub failed_items: u64,
    /// Items handed to the pipeline but not (yet) given to an exporter: still queued, or
    /// dropped because the batch queue was full. Spans count from their start (they are
    /// handed over when they end), so one still open is included. After shutdown, exactly
    /// the dropped ones, plus spans that never ended.
    pub not_exported: u64,
    /// Whether the backend answered that it does not accept this signal: gRPC `UNIMPLEMENTED`,
    /// or HTTP 404, 405 or 415 (as a traces-only backend such as Phoenix or MLflow answers logs
    /// and metrics). From that answer on, nothing more of the signal is sent to that endpoint;
    /// one warning on stderr named the signal, the endpoint and the variable that turns the
    /// signal off (`OTEL_LOGS_EXPORTER=none`, `OTEL_METRICS_EXPORTER=none`,
    /// `OTEL_TRACES_EXPORTER=none`). Not an export failure: `force_flush` and `shutdown` do not
    /// return an error for it, and `failed_exports` does not count it.
    pub refused_by_backend: bool,
    /// Items not exported because the backend refused the signal: those of the refused export
    /// and every later one, never sent (metrics: exports, as in `failed_items`).
    pub refused_items: u64,
    /// Failed export attempts that were tried again (retryable outcomes, OTLP specification
    /// v1.11.0, *Failures*).
    pub retries: u64,
    /// Items delivered late: after at least one failed attempt, or from spool files an
    /// earlier process left.
    pub delivered_late: u64,
    /// Items left in the disk spool (`AGENT_TELEMETRY_SPOOL_DIR`) at shutdown, undelivered,
    /// for the next process on that directory to deliver.
    pub spooled_items: u64,
    /// Items delivered from spool files that an earlier process left (not part of this
    /// process's other counts).
    pub replayed_items: u64,
    /// Items the export queue or spool dropped, by reason.
    pub dropped: DroppedItems,
    /// Times the spool could not be used: not creatable, read-only, locked by another
    /// process, or a write failed (disk full). Each is warned about; the batches concerned
    /// stay in memory.
    pub spool_errors: u64,
}

/// What did not reach the backend, per signal, since start. Read it with
/// [`OpenTelemetry::export_failures`](crate::OpenTelemetry::export_failures).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportFailures {
    /// Spans.
    pub traces: SignalFailures,
    /// Metric exports (`failed_items` counts exports, not data points).
    pub metrics: SignalFailures,
    /// Log records.
    pub logs: SignalFailures,
    /// Log calls not recorded as span events because their span had reached its event limit
    /// (`OTEL_SPAN_EVENT_COUNT_LIMIT`). With a logs exporter they still became log records.
    pub span_events_over_limit: u64,
    /// Log calls made outside any scope while no logs exporter was configured: there was no
    /// span to attach them to and no log record to carry them.
    pub log_calls_without_destination: u64,
}

impl ExportFailures {
    /// Whether nothing at all was lost.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Default)]
pub(crate) struct SignalStats {
    pub(crate) submitted: AtomicU64,
    pub(crate) exported: AtomicU64,
    pub(crate) failed_exports: AtomicU64,
    pub(crate) failed_items: AtomicU64,
    /// An exporter of this signal was told by its backend that the signal is not accepted.
    pub(crate) refused: AtomicBool,
    pub(crate) refused_items: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) delivered_late: AtomicU64,
    pub(crate) spooled: AtomicU64,
    pub(crate) replayed: AtomicU64,
    pub(crate) spool_errors: AtomicU64,
    pub(crate) dropped: [AtomicU64; 6],
    /// Gauges kept by the export queue: bytes in memory and on disk, and when the oldest
    /// pending batch was handed over (milliseconds since the Unix epoch; 0 = none).
    pub(crate) queued_bytes: AtomicU64,
    pub(crate) spool_bytes: AtomicU64,
    pub(crate) oldest_pending_ms: AtomicU64,
    /// The warning text of the latest failed export (signal, endpoint, cause).
    pub(crate) last_error: Mutex<Option<String>>,
    warn: RateLimit,
    warn_drop: RateLimit,
    warn_spool: RateLimit,
}

impl SignalStats {
    /// Items dropped for `reason` so far.
    pub(crate) fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize].load(Ordering::Relaxed)
    }

    /// This signal's backlog now.
    pub(crate) fn backlog(&self) -> Backlog {
        let oldest = self.oldest_pending_ms.load(Ordering::Relaxed);
        Backlog {
            queued_bytes: self.queued_bytes.load(Ordering::Relaxed),
            spool_bytes: self.spool_bytes.load(Ordering::Relaxed),
            oldest_pending: (oldest != 0).then(|| {
                let now = unix_ms(std::time::SystemTime::now());
                Duration::from_millis(now.saturating_sub(oldest))
            }),
        }
    }
}

/// Shared by the exporter wrappers, the scope extensions and the logger.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) signals: [SignalStats; 3],
    /// How many span processors each ended, sampled span is handed to.
    pub(crate) span_processors: AtomicU64,
    /// Sampled spans started (`otel.sdk.span.started`).
    pub(crate) spans_started: AtomicU64,
    pub(crate) events_over_limit: AtomicU64,
    pub(crate) logs_without_destination: AtomicU64,
    warn_events: RateLimit,
    warn_logs: RateLimit,
}

impl Stats {
    pub(crate) fn signal(&self, s: Signal) -> &SignalStats {
        &self.signals[s.index()]
    }

    pub(crate) fn snapshot(&self) -> ExportFailures {
        let sig = |s: Signal| {
            let st = self.signal(s);
            let submitted = st.submitted.load(Ordering::Relaxed);
            let exported = st.exported.load(Ordering::Relaxed);
            let failed_items = st.failed_items.load(Ordering::Relaxed);
            let refused_items = st.refused_items.load(Ordering::Relaxed);
            SignalFailures {
                failed_exports: st.failed_exports.load(Ordering::Relaxed),
                failed_items,
                not_exported: if s == Signal::Metrics {
                    0
                } else {
                    submitted.saturating_sub(exported + failed_items + refused_items)
                },
                refused_by_backend: st.refused.load(Ordering::Relaxed),
                refused_items,
                retries: st.retries.load(Ordering::Relaxed),
                delivered_late: st.delivered_late.load(Ordering::Relaxed),
                spooled_items: st.spooled.load(Ordering::Relaxed),
                replayed_items: st.replayed.load(Ordering::Relaxed),
                spool_errors: st.spool_errors.load(Ordering::Relaxed),
                dropped: DroppedItems {
                    rejected: st.dropped(DropReason::Rejected),
                    retry_window: st.dropped(DropReason::RetryWindow),
                    queue_full: st.dropped(DropReason::QueueFull),
                    spool_full: st.dropped(DropReason::SpoolFull),
                    shutdown: st.dropped(DropReason::Shutdown),
                    corrupt_spool_files: st.dropped(DropReason::CorruptSpoolFile),
                },
            }
        };
        ExportFailures {
            traces: sig(Signal::Traces),
            metrics: sig(Signal::Metrics),
            logs: sig(Signal::Logs),
            span_events_over_limit: self.events_over_limit.load(Ordering::Relaxed),
            log_calls_without_destination: self.logs_without_destination.load(Ordering::Relaxed),
        }
    }

    /// Counts an export's outcome (of an exporter other than OTLP, which counts its
    /// attempts with [`Stats::attempt_failed`]). On failure, `endpoint` names where.
    pub(crate) fn export_result(
        &self,
        signal: Signal,
        endpoint: &str,
        items: usize,
        result: &OTelSdkResult,
    ) {
        let st = self.signal(signal);
        match result {
            Ok(()) => {
                st.exported.fetch_add(items as u64, Ordering::Relaxed);
            }
            Err(e) => {
                let n = st.failed_exports.fetch_add(1, Ordering::Relaxed) + 1;
                let total =
                    st.failed_items.fetch_add(items as u64, Ordering::Relaxed) + items as u64;
                let reason = format!(
                    "OpenTelemetry {signal} export to {endpoint} failed: {}",
                    cause::describe(&e.to_string())
                );
                if st.warn.allow() {
                    eprintln!(
                        "agent-telemetry: {reason} ({n} failed exports, {total} items lost so \
                         far; see OpenTelemetry::export_failures; warnings limited to one per \
                         {}s)",
                        WARN_INTERVAL.as_secs()
                    );
                }
                *st.last_error.lock() = Some(reason);
            }
        }
    }

    /// The backend at `endpoint` answered `answer` ("gRPC UNIMPLEMENTED", "HTTP 404 …"): it
    /// does not accept `signal`. Called once per exporter, by the export that got the answer;
    /// that exporter then sends nothing more ([`Stats::refused_items`] counts what it skips).
    /// Warned once, not rate-limited: it is one event, and the warning says what to do.
    #[cold]
    pub(crate) fn refused(&self, signal: Signal, endpoint: &str, answer: &str, items: usize) {
        let st = self.signal(signal);
        st.refused.store(true, Ordering::Relaxed);
        self.refused_items(signal, items);
        let var = format!("OTEL_{}_EXPORTER", signal.upper());
        let path_hint = if answer.starts_with("HTTP 404") {
            format!(
                "; if it should, check the endpoint's path (OTLP/HTTP sends {signal} to {})",
                signal.http_path()
            )
        } else {
            String::new()
        };
        let reason = format!(
            "the backend at {endpoint} does not accept OpenTelemetry {signal} (it answered \
             {answer}); no more {signal} are sent there{path_hint}"
        );
        eprintln!(
            "agent-telemetry: {reason}. If this backend takes no {signal} (some accept traces \
             only), set {var}=none to stop producing them; what is not sent is counted in \
             OpenTelemetry::export_failures ({signal}.refused_items)."
        );
        *st.last_error.lock() = Some(format!("{reason}; set {var}=none if it takes no {signal}"));
    }

    /// One OTLP export attempt failed: counted and remembered as the latest error. `retry_in`
    /// is when the batch is tried again (warned about here, rate-limited), `None` when it is
    /// not (the caller then counts its items with [`Stats::dropped`], which warns).
    pub(crate) fn attempt_failed(
        &self,
        signal: Signal,
        endpoint: &str,
        detail: &str,
        retry_in: Option<Duration>,
    ) {
        let st = self.signal(signal);
        let n = st.failed_exports.fetch_add(1, Ordering::Relaxed) + 1;
        let reason = format!(
            "OpenTelemetry {signal} export to {endpoint} failed: {}",
            cause::describe(detail)
        );
        if let Some(wait) = retry_in {
            st.retries.fetch_add(1, Ordering::Relaxed);
            if st.warn.allow() {
                let queued = st.queued_bytes.load(Ordering::Relaxed);
                eprintln!(
                    "agent-telemetry: {reason}; retrying in {:.1}s, the batch and those behind \
                     it kept ({queued} bytes queued; {n} failed attempts so far; see \
                     OpenTelemetry::export_failures; warnings limited to one per {}s)",
                    wait.as_secs_f64(),
                    WARN_INTERVAL.as_secs()
                );
            }
        }
        *st.last_error.lock() = Some(reason);
    }

    /// The spool could not be used (see [`SignalFailures::spool_errors`]).
    #[cold]
    pub(crate) fn spool_error(&self, signal: Signal, what: &str) {
        let st = self.signal(signal);
        let n = st.spool_errors.fetch_add(1, Ordering::Relaxed) + 1;
        if st.warn_spool.allow() {
            eprintln!(
                "agent-telemetry: OpenTelemetry {signal}: {what}; batches stay in memory only \
                 ({n} spool errors so far; warnings limited to one per {}s)",
                WARN_INTERVAL.as_secs()
            );
        }
    }

    /// A delivered request whose response rejected part of it (OTLP specification v1.11.0,
    /// *Partial Success*: not retried): `rejected` items dropped, the server's message warned.
    #[cold]
    pub(crate) fn partial_success(
        &self,
        signal: Signal,
        endpoint: &str,
        rejected: u64,
        message: &str,
        replayed: bool,
    ) {
        if rejected > 0 {
            self.dropped(signal, DropReason::Rejected, rejected, replayed);
        }
        if self.signal(signal).warn_drop.allow() {
            eprintln!(
                "agent-telemetry: OpenTelemetry {signal}: the backend at {endpoint} accepted \
                 the export but rejected {rejected} items of it: {message:?}"
            );
        }
    }

    /// `items` were delivered; `late` after a failed attempt or from the spool, `replayed`
    /// from a spool file an earlier process left (those were never submitted here).
    pub(crate) fn delivered(&self, signal: Signal, items: u64, late: bool, replayed: bool) {
        let st = self.signal(signal);
        if replayed {
            st.replayed.fetch_add(items, Ordering::Relaxed);
            st.delivered_late.fetch_add(items, Ordering::Relaxed);
            return;
        }
        st.exported.fetch_add(items, Ordering::Relaxed);
        if late {
            st.delivered_late.fetch_add(items, Ordering::Relaxed);
        }
    }

    /// The export queue dropped `items` for `reason` (`replayed`: of an earlier process's
    /// spool, so not part of this process's failed items). Warned about, rate-limited; a
    /// corrupt spool file is warned about by name where it is found.
    pub(crate) fn dropped(&self, signal: Signal, reason: DropReason, items: u64, replayed: bool) {
        let st = self.signal(signal);
        let total = st.dropped[reason as usize].fetch_add(items, Ordering::Relaxed) + items;
        if reason.after_failure() && !replayed {
            st.failed_items.fetch_add(items, Ordering::Relaxed);
        }
        if st.warn_drop.allow() {
            let why = match reason {
                DropReason::Rejected => {
                    let last = st.last_error.lock().clone().unwrap_or_default();
                    eprintln!(
                        "agent-telemetry: {last}; not retryable, {items} items dropped ({total} \
                         so far; see OpenTelemetry::export_failures; warnings limited to one per \
                         {}s)",
                        WARN_INTERVAL.as_secs()
                    );
                    return;
                }
                DropReason::RetryWindow => {
                    "still undelivered when the retry window (AGENT_TELEMETRY_EXPORT_RETRY_WINDOW) \
                     ended; set AGENT_TELEMETRY_SPOOL_DIR to keep them on disk"
                }
                DropReason::QueueFull => {
                    "the oldest, the export queue being full (AGENT_TELEMETRY_EXPORT_QUEUE_BYTES); \
                     set AGENT_TELEMETRY_SPOOL_DIR to keep them on disk"
                }
                DropReason::SpoolFull => {
                    "the oldest on disk, the spool being full (AGENT_TELEMETRY_SPOOL_MAX_BYTES)"
                }
                DropReason::Shutdown => {
                    "still undelivered at shutdown's deadline; set AGENT_TELEMETRY_SPOOL_DIR \
                     to keep them for the next start"
                }
                DropReason::CorruptSpoolFile => return,
            };
            eprintln!(
                "agent-telemetry: OpenTelemetry {signal}: {items} items dropped, {why} ({total} \
                 so far; see OpenTelemetry::export_failures; warnings limited to one per {}s)",
                WARN_INTERVAL.as_secs()
            );
        }
    }

    /// Items an exporter did not send because its backend refused their signal earlier.
    #[inline]
    pub(crate) fn refused_items(&self, signal: Signal, items: usize) {
        self.signal(signal)
            .refused_items
            .fetch_add(items as u64, Ordering::Relaxed);
    }

    /// A sampled span started: it goes to every counted span processor when it ends.
    /// Counted here, once per span, rather than by wrapping each processor, which would copy
    /// every ended span once more.
    #[inline]
    pub(crate) fn span_started(&self) {
        self.spans_started.fetch_add(1, Ordering::Relaxed);
        let n = self.span_processors.load(Ordering::Relaxed);
        self.signal(Signal::Traces)
            .submitted
            .fetch_add(n, Ordering::Relaxed);
    }

    #[cold]
    pub(crate) fn event_over_limit(&self, limit: u32) {
        let n = self.events_over_limit.fetch_add(1, Ordering::Relaxed) + 1;
        if self.warn_events.allow() {
            eprintln!(
                "agent-telemetry: a span reached its event limit ({limit}, \
                 OTEL_SPAN_EVENT_COUNT_LIMIT); {n} log calls were not recorded as span events so \
                 far (log records still carry them when OTEL_LOGS_EXPORTER is set)"
            );
        }
    }

    #[cold]
    pub(crate) fn log_without_destination(&self) {
        let n = self
            .logs_without_destination
            .fetch_add(1, Ordering::Relaxed)
            + 1;
        if self.warn_logs.allow() {
            eprintln!(
                "agent-telemetry: {n} log calls made outside any scope had nowhere to go: open a \
                 scope, or enable log records with OTEL_LOGS_EXPORTER=otlp"
            );
        }
    }
}
