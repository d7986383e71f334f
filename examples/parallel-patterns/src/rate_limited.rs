//! Rate-limited parallel execution: twenty operations spawned at once, at most five running,
//! each in a child scope of `rate_limited_batch` that records how long it waited.

use std::time::Duration;

use telemetry_core::{ScopeOptions, Telemetry, attrs};
use telemetry_tasks::{ConcurrencyLimit, FutureScopeExt};

use crate::{Error, Outcome};

/// Operations in the batch.
pub const OPERATIONS: i64 = 20;
/// Operations allowed at once.
pub const PERMITS: usize = 5;

/// `rate_limited_batch` (`completed`) > `operation_{i}` (`item_id`,
/// `rate_limit.wait.duration` in seconds).
///
/// # Errors
/// A task panicked.
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let limit = ConcurrencyLimit::new(t.correlator.clone(), PERMITS)?;
    let root = t
        .correlator
        .open_scope(ScopeOptions::new("rate_limited_batch"));
    let body = async {
        let tasks: Vec<_> = (0..OPERATIONS)
            .map(|i| {
                let op = limit.run(
                    format!("operation_{i}"),
                    &attrs!["item_id" => i],
                    async move {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        format!("Result {i}")
                    },
                );
                telemetry_tasks::spawn(op)
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await??);
        }
        Ok::<_, Error>(results)
    };
    let results = body.in_scope(root.context()).await?;
    root.set_attribute("completed", results.len() as i64);
    Ok(Outcome {
        correlation_id: root.correlation_id(),
        summary: format!("completed={}", results.len()),
    })
}
