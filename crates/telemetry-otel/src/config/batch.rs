//! Export schedules: the batch span processor (`OTEL_BSP_*`), the batch log record processor
//! (`OTEL_BLRP_*`) and the periodic metric reader (`OTEL_METRIC_EXPORT_*`).
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*, *Batch Span Processor*,
//! *Batch LogRecord Processor* and *Periodic exporting MetricReader*.

use std::time::Duration;

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// Batch processor settings (`OTEL_BSP_*` for spans, `OTEL_BLRP_*` for log records).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    pub(crate) schedule_delay: Duration,
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
}

impl BatchSettings {
    /// The settings of the processor whose variables start with `OTEL_{prefix}_`; code's
    /// schedule delay wins over the variable. The batch size may not exceed the queue size.
    pub(crate) fn resolve(
        env: &Env<'_>,
        prefix: &str,
        code_delay: Option<Duration>,
        default_delay_ms: u64,
    ) -> Result<BatchSettings, ConfigError> {
        let schedule_delay = match code_delay {
            Some(d) => d,
            None => env
                .millis(&format!("OTEL_{prefix}_SCHEDULE_DELAY"))?
                .unwrap_or(Duration::from_millis(default_delay_ms)),
        };
        let queue_var = format!("OTEL_{prefix}_MAX_QUEUE_SIZE");
        let batch_var = format!("OTEL_{prefix}_MAX_EXPORT_BATCH_SIZE");
        let max_queue_size = env.positive(&queue_var)?.unwrap_or(2048);
        let max_export_batch_size = match env.positive(&batch_var)? {
            Some(n) if n > max_queue_size => {
                return Err(ConfigError::new(
                    batch_var,
                    n.to_string(),
                    format!("a positive integer no larger than {queue_var} ({max_queue_size})"),
                ));
            }
            Some(n) => n,
            None => 512.min(max_queue_size),
        };
        Ok(BatchSettings {
            schedule_delay,
            max_queue_size,
            max_export_batch_size,
        })
    }

    /// The SDK batch span processor's configuration.
    pub(crate) fn span_config(&self) -> opentelemetry_sdk::trace::BatchConfig {
        opentelemetry_sdk::trace::BatchConfigBuilder::default()
            .with_max_queue_size(self.max_queue_size)
            .with_max_export_batch_size(self.max_export_batch_size)
            .with_scheduled_delay(self.schedule_delay)
            .build()
    }

    /// The SDK batch log record processor's configuration.
    pub(crate) fn log_config(&self) -> opentelemetry_sdk::logs::BatchConfig {
        opentelemetry_sdk::logs::BatchConfigBuilder::default()
            .with_max_queue_size(self.max_queue_size)
            .with_max_export_batch_size(self.max_export_batch_size)
            .with_scheduled_delay(self.schedule_delay)
            .build()
    }
}

/// Checks `OTEL_{BSP,BLRP,METRIC}_EXPORT_TIMEOUT`, so that a typo is an error. They are not
/// applied: the thread-based processors and periodic reader of SDK 0.33 bound each export by
/// the exporter timeout instead.
pub(crate) fn validate_export_timeouts(env: &Env<'_>) -> Result<(), ConfigError> {
    env.millis("OTEL_BSP_EXPORT_TIMEOUT")?;
    env.millis("OTEL_BLRP_EXPORT_TIMEOUT")?;
    env.millis("OTEL_METRIC_EXPORT_TIMEOUT")?;
    Ok(())
}

/// How often metrics are exported: code's interval, else `OTEL_METRIC_EXPORT_INTERVAL`, else
/// 60 s. Zero is rejected.
pub(crate) fn metric_interval(
    code: Option<Duration>,
    env: &Env<'_>,
) -> Result<Duration, ConfigError> {
    Ok(match code {
        Some(d) if d.is_zero() => {
            return Err(ConfigError::new(
                "OpenTelemetryBuilder::with_metric_export_interval",
                "0ms",
                "a positive duration",
            ));
        }
        Some(d) => d,
        None => match env.millis("OTEL_METRIC_EXPORT_INTERVAL")? {
            Some(d) if d.is_zero() => {
                return Err(ConfigError::new(
                    "OTEL_METRIC_EXPORT_INTERVAL",
                    "0",
                    "a positive integer number of milliseconds",
                ));
            }
            Some(d) => d,
            None => Duration::from_secs(60),
        },
    })
}
