//! Flush, shutdown and drop: the [`Lifecycle`] implementation, and running the SDK's blocking
//! calls on dedicated threads with bounded waits.
//!
//! The SDK's `force_flush` and `shutdown` block the calling thread until the processor threads
//! answer, which on an async executor (a `current_thread` tokio runtime included) would stall
//! it or deadlock. So every such call runs on a thread of its own, and the caller waits for it
//! at most the given timeout, without blocking its executor.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use telemetry_core::{Lifecycle, TelemetryError};

use crate::export::durable::delivery::{Delivery, Mark};
use crate::export::pipeline::Providers;
use crate::open_telemetry::{Inner, OpenTelemetry};
use crate::signal::Signal;

/// Waits for `f` (run on a dedicated thread) without blocking the executor: the result
/// arrives through a oneshot channel, and a watchdog thread bounds the wait by `timeout`.
async fn off_thread(
    what: &'static str,
    timeout: Duration,
    f: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), TelemetryError> {
    let (tx, rx) = futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("telemetry-otel-{what}"))
        .spawn(move || {
            let r = run_bounded("telemetry-otel-worker", timeout, f);
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Err(TelemetryError::with_source(
            format!("OpenTelemetry {what}: could not start a thread"),
            e,
        ));
    }
    match rx.await {
        Ok(Some(Ok(()))) => Ok(()),
        Ok(Some(Err(e))) => Err(TelemetryError::new(format!(
            "OpenTelemetry {what} failed: {e}"
        ))),
        Ok(None) | Err(_) => Err(TelemetryError::new(format!(
            "OpenTelemetry {what} timed out: not finished within {timeout:?}"
        ))),
    }
}

impl OpenTelemetry {
    /// Adds why exports failed, if they did, to a flush or shutdown error: a timeout with the
    /// collector unreachable reads differently from a slow flush.
    fn explain(&self, e: TelemetryError) -> TelemetryError {
        let reasons: Vec<String> = Signal::ALL
            .into_iter()
            .filter_map(|s| self.last_export_error(s))
            .collect();
        if reasons.is_empty() {
            TelemetryError::new(format!(
                "{e} (no export had failed: the collector answered, but too slowly or the \
                 queues were too long for the timeout)"
            ))
        } else {
            TelemetryError::new(format!(
                "{e}; the collector was unreachable or refused exports: {}",
                reasons.join("; ")
            ))
        }
    }
}

/// Flush and shutdown. Hold the `OpenTelemetry` (or a [`Telemetry`](telemetry_core::Telemetry) made from it) until exit
/// and call `shutdown` once; see the [crate docs](crate#lifecycle).
#[async_trait::async_trait]
impl Lifecycle for OpenTelemetry {
    /// Exports everything queued on every signal, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`TelemetryError`] when a signal failed to flush or the timeout passed. Export failures
    /// the SDK reports as success are in [`OpenTelemetry::export_failures`]. A signal the
    /// backend does not accept (gRPC `UNIMPLEMENTED`, HTTP 404/405/415) is not an error: see
    /// [`SignalFailures::refused_by_backend`](crate::SignalFailures::refused_by_backend).
    async fn force_flush(&self, timeout: Duration) -> Result<(), TelemetryError> {
        let handles = self.inner.providers.lock().as_ref().map(|p| {
            let d = p.deliveries.clone();
            (p.tracer.clone(), p.logger.clone(), p.meter.clone(), d)
        });
        let Some((t, l, m, d)) = handles else {
            return Ok(());
        };
        let deadline = delivery_deadline(timeout);
        off_thread("flush", timeout + Duration::from_millis(100), move || {
            force_flush(t, l, m, d, deadline)
        })
        .await
        .map_err(|e| self.explain(e))
    }

    /// Flushes and shuts every signal down, waiting at most `timeout`; later calls return
    /// `Ok(())` at once. Scopes opened afterwards still carry ids but export nothing.
    ///
    /// # Errors
    /// [`TelemetryError`] when a signal failed to shut down or the timeout passed; not for a
    /// signal the backend does not accept (see `force_flush`).
    async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError> {
        if self.inner.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let Some(p) = self.inner.providers.lock().take() else {
            return Ok(());
        };
        off_thread(
            "shutdown",
            timeout + Duration::from_millis(100),
            move || p.shutdown(timeout),
        )
        .await
        .map_err(|e| self.explain(e))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(p) = self.providers.get_mut().take() {
            let t = self.drop_timeout;
            // Bounded: never block the dropping thread (maybe an async worker) for longer.
            let _ = run_bounded(
                "telemetry-otel-drop",
                t + Duration::from_millis(100),
                move || p.shutdown(t),
            );
        }
    }
}

impl Providers {
    /// Shuts the trace and log providers down in parallel, then the meter provider (within
    /// what is left of `timeout`), then delivers what the exporters queued and stops the gRPC
    /// runtime. Runs on a dedicated thread (it blocks).
    ///
    /// The meter comes last because its final collection carries the self-observability
    /// counts: spans and log records handed over, refused or dropped at hand-off are only all
    /// counted once the other two providers have handed over their last batches. In parallel,
    /// a loaded machine let the meter collect first and export a refused-items count short
    /// by the last batch.
    fn shutdown(self, timeout: Duration) -> Result<(), String> {
        let deadline = delivery_deadline(timeout);
        let Providers {
            tracer,
            logger,
            meter,
            deliveries,
            runtime,
        } = self;
        // Taken before the providers hand over their last batches, so that those count.
        let marks: Vec<Mark> = deliveries.iter().map(|d| d.mark()).collect();
        let mut errors = Vec::new();
        let started = Instant::now();
        std::thread::scope(|s| {
            let t = tracer
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(timeout)));
            let l = logger
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(timeout)));
            errors.extend(joined("shutdown", [t, l, None]));
        });
        let left = timeout.saturating_sub(started.elapsed());
        std::thread::scope(|s| {
            let m = meter
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(left)));
            errors.extend(joined("shutdown", [None, None, m]));
        });
        drop((tracer, logger, meter));
        // Then deliver what the exporters queued, until the deadline.
        errors.extend(in_parallel(&deliveries, |d, i| {
            d.shutdown(marks[i], deadline)
        }));
        if let Some(rt) = runtime {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// When the delivery queues stop waiting, for a flush or shutdown given `timeout`: a little
/// before it, so that their own report (what is still queued, and why) is what the caller gets.
fn delivery_deadline(timeout: Duration) -> Instant {
    Instant::now() + timeout - (timeout / 20).min(Duration::from_millis(250))
}

/// Waits for the providers' `what` calls, running on threads of their own (traces, logs,
/// metrics; `None` for a signal without a provider); their errors, each named by its signal.
fn joined(
    what: &str,
    handles: [Option<std::thread::ScopedJoinHandle<'_, OTelSdkResult>>; 3],
) -> Vec<String> {
    [Signal::Traces, Signal::Logs, Signal::Metrics]
        .into_iter()
        .zip(handles)
        .filter_map(|(signal, h)| match h?.join() {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{signal}: {e}")),
            Err(_) => Some(format!("{signal}: {what} panicked")),
        })
        .collect()
}

/// Runs `f` on every delivery queue at once; the errors.
fn in_parallel(
    deliveries: &[Arc<Delivery>],
    f: impl Fn(&Delivery, usize) -> Result<(), String> + Sync,
) -> Vec<String> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = deliveries
            .iter()
            .enumerate()
            .map(|(i, d)| s.spawn(move || f(d, i)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match h.join() {
                Ok(r) => r.err(),
                Err(_) => Some("delivery panicked".to_owned()),
            })
            .collect()
    })
}

/// Flushes the trace and log providers in parallel, then the meter provider (its collection
/// then counts their last batches, as at shutdown), then waits for the OTLP delivery queues to
/// empty, until `deadline`. Runs on a dedicated thread (it blocks).
fn force_flush(
    tracer: Option<SdkTracerProvider>,
    logger: Option<SdkLoggerProvider>,
    meter: Option<SdkMeterProvider>,
    deliveries: Vec<Arc<Delivery>>,
    deadline: Instant,
) -> Result<(), String> {
    let marks: Vec<Mark> = deliveries.iter().map(|d| d.mark()).collect();
    let mut errors = Vec::new();
    std::thread::scope(|s| {
        let t = tracer.as_ref().map(|p| s.spawn(move || p.force_flush()));
        let l = logger.as_ref().map(|p| s.spawn(move || p.force_flush()));
        errors.extend(joined("flush", [t, l, None]));
    });
    std::thread::scope(|s| {
        let m = meter.as_ref().map(|p| s.spawn(move || p.force_flush()));
        errors.extend(joined("flush", [None, None, m]));
    });
    errors.extend(in_parallel(&deliveries, |d, i| d.flush(marks[i], deadline)));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Runs `f` on a new thread and waits at most `timeout` for its result; `None` on timeout
/// (the thread finishes in the background).
fn run_bounded<T: Send + 'static>(
    name: &str,
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        });
    match spawned {
        Ok(_) => rx.recv_timeout(timeout).ok(),
        Err(_) => None,
    }
}
