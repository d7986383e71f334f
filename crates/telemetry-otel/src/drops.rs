//! What the export queue and spool hold and drop: the reasons items are dropped after they
//! reached the queue ([`DroppedItems`]), and the backlog gauges ([`Backlog`]).

/// Items dropped after they reached the export queue, by reason. `rejected`, `retry_window`
/// and `shutdown` are also in [`SignalFailures::failed_items`](crate::SignalFailures::failed_items); `queue_full` and `spool_full`
/// are in [`SignalFailures::not_exported`](crate::SignalFailures::not_exported) (dropped on a full queue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DroppedItems {
    /// The backend answered with a non-retryable error (HTTP 400, 401, 403, 413, 500, gRPC
    /// `INVALID_ARGUMENT`, `PERMISSION_DENIED`, `RESOURCE_EXHAUSTED` without `RetryInfo`, …).
    pub rejected: u64,
    /// Still failing when the retry window (`AGENT_TELEMETRY_EXPORT_RETRY_WINDOW`) had passed,
    /// with no spool to keep them.
    pub retry_window: u64,
    /// The oldest in memory, when the queue reached `AGENT_TELEMETRY_EXPORT_QUEUE_BYTES` with
    /// no spool to keep them.
    pub queue_full: u64,
    /// The oldest on disk, when the spool reached `AGENT_TELEMETRY_SPOOL_MAX_BYTES`.
    pub spool_full: u64,
    /// Still queued when shutdown's deadline came, with no spool to keep them.
    pub shutdown: u64,
    /// In spool files that were unreadable, truncated or corrupt (counted in files: their
    /// item count cannot be trusted).
    pub corrupt_spool_files: u64,
}

/// Why the export queue dropped items (see [`DroppedItems`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    Rejected,
    RetryWindow,
    QueueFull,
    SpoolFull,
    Shutdown,
    CorruptSpoolFile,
}

impl DropReason {
    pub(crate) const ALL: [DropReason; 6] = [
        Self::Rejected,
        Self::RetryWindow,
        Self::QueueFull,
        Self::SpoolFull,
        Self::Shutdown,
        Self::CorruptSpoolFile,
    ];

    /// The `error.type` value of the self-observability metrics.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::RetryWindow => "retry_window_expired",
            Self::QueueFull => "queue_full",
            Self::SpoolFull => "spool_full",
            Self::Shutdown => "shutdown_deadline",
            Self::CorruptSpoolFile => "corrupt_spool_file",
        }
    }

    /// Whether these items count as lost in a failed export (`failed_items`).
    pub(crate) fn after_failure(self) -> bool {
        matches!(self, Self::Rejected | Self::RetryWindow | Self::Shutdown)
    }
}

/// What waits for delivery on one signal, now. Read it with
/// [`OpenTelemetry::export_backlog`](crate::OpenTelemetry::export_backlog).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backlog {
    /// Encoded OTLP request bytes held in memory by the export queue.
    pub queued_bytes: u64,
    /// Bytes of the spool files of this signal (0 without a spool).
    pub spool_bytes: u64,
    /// How long the oldest batch not yet delivered has waited, if any.
    pub oldest_pending: Option<std::time::Duration>,
}

/// Milliseconds since the Unix epoch (0 for times before it).
pub(crate) fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
