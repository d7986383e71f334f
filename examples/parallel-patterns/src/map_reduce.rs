//! Map-reduce: a parallel map phase on a rayon pool (called from an async caller through
//! `spawn_blocking`), then a sequential reduce phase.

use rayon::prelude::*;
use telemetry_core::{CorrelatorExt, ScopeOptions, Telemetry, attrs};
use telemetry_tasks::FutureScopeExt;
use telemetry_tasks::rayon::ParallelIteratorScopeExt;

use crate::{Error, Outcome};

/// `map_reduce` > `map_phase` > `map_{item}` (`input`, `output`); `map_reduce` >
/// `reduce_phase` > `reduce` (`input_count`, `total`).
///
/// # Errors
/// The pool could not start, or the map task panicked.
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let items: Vec<i64> = vec![1, 2, 3, 4, 5];
    let root = t.correlator.open_scope(ScopeOptions::new("map_reduce"));
    let body = async {
        // Map phase: CPU work, so off the async workers onto a pool of 3.
        let tm = t.clone();
        let mapped = telemetry_tasks::spawn_blocking(move || -> Result<Vec<i64>, Error> {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build()?;
            let phase = tm.correlator.enter_scope("map_phase", &[]);
            let out = telemetry_tasks::rayon::install(&pool, || {
                items
                    .par_iter()
                    .in_current_scope()
                    .map(|&item| map_function(&tm, item))
                    .collect::<Result<Vec<_>, Error>>()
            })?;
            phase.set_attribute("results_count", out.len() as i64);
            Ok(out)
        })
        .await??;
        // Reduce phase: sequential, in this task.
        let total = t
            .correlator
            .in_scope("reduce_phase", &[], || reduce_function(t, &mapped))?;
        Ok::<_, Error>(total)
    };
    let total = body.in_scope(root.context()).await?;
    root.set_attribute("final_result", total);
    Ok(Outcome {
        correlation_id: root.correlation_id(),
        summary: format!("final_result={total}"),
    })
}

fn map_function(t: &Telemetry, item: i64) -> Result<i64, Error> {
    let scope = t
        .correlator
        .open_scope(ScopeOptions::new(format!("map_{item}")).attributes(&attrs!["input" => item]))
        .entered();
    let result = item * 2;
    scope.set_attribute("output", result);
    Ok(result)
}

fn reduce_function(t: &Telemetry, results: &[i64]) -> Result<i64, Error> {
    let a = attrs!["input_count" => results.len() as i64];
    let scope = t
        .correlator
        .open_scope(ScopeOptions::new("reduce").attributes(&a))
        .entered();
    let total = results.iter().sum();
    scope.set_attribute("total", total);
    Ok(total)
}
