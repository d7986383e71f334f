//! Thread pool: ten items processed on a 4-thread rayon pool, each in a child scope of
//! `batch_processing` (what `ThreadPoolExecutor` with a copied context does in Python).

use rayon::prelude::*;
use telemetry_core::{CorrelatorExt, ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_tasks::rayon::ParallelIteratorScopeExt;

use crate::{Error, Outcome};

/// Items in the batch.
pub const BATCH_SIZE: i64 = 10;

/// `batch_processing` (INTERNAL, `batch_size`, `results_count`) > `process_{i}` (`item_id`).
///
/// # Errors
/// The pool could not start.
pub fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .thread_name(|i| format!("worker-{i}"))
        .build()?;
    let a = attrs!["batch_size" => BATCH_SIZE];
    let parent = t
        .correlator
        .open_scope(
            ScopeOptions::new("batch_processing")
                .attributes(&a)
                .kind(SpanKind::Internal),
        )
        .entered();
    // `install` carries the scope onto the pool; `in_current_scope` into each item's worker.
    let results: Vec<String> = telemetry_tasks::rayon::install(&pool, || {
        (0..BATCH_SIZE)
            .into_par_iter()
            .in_current_scope()
            .map(|i| process_item(t, i))
            .collect::<Result<_, Error>>()
    })?;
    parent.set_attribute("results_count", results.len() as i64);
    Ok(Outcome {
        correlation_id: parent.correlation_id(),
        summary: format!("results_count={}", results.len()),
    })
}

fn process_item(t: &Telemetry, item_id: i64) -> Result<String, Error> {
    Ok(t.correlator.in_scope(
        format!("process_{item_id}"),
        &attrs!["item_id" => item_id],
        || {
            t.logger.debug("processing", &attrs!["item_id" => item_id]);
            format!("Result for {item_id}")
        },
    ))
}
