//! Map-reduce: a parallel map phase on a rayon pool (called from an async caller through
//! `spawn_blocking`), then a sequential reduce phase.
//!
//! `reduce` links to every `map_{item}` span whose output it sums (span links: the
//! OpenTelemetry *Tracing API*, "Link"): it is part of `reduce_phase`, its parent, and consumes
//! the map spans' results, which a parent cannot express (a span has one parent). Had the map
//! tasks run as traces of their own (jobs from a queue), the links would be all that ties the
//! result to them.

use rayon::prelude::*;
use telemetry_core::{Context, CorrelatorExt, ScopeOptions, Telemetry, attrs};
use telemetry_tasks::FutureScopeExt;
use telemetry_tasks::rayon::ParallelIteratorScopeExt;

use crate::{Error, Outcome};

/// `map_reduce` > `map_phase` > `map_{item}` (`input`, `output`); `map_reduce` >
/// `reduce_phase` > `reduce` (`input_count`, `total`; a link with `input` to each `map_{item}`).
///
/// # Errors
/// The pool could not start, or the map task panicked.
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let items: Vec<i64> = vec![1, 2, 3, 4, 5];
    let root = t.correlator.open_scope(ScopeOptions::new("map_reduce"));
    let body = async {
        // Map phase: CPU work, so off the async workers onto a pool of 3.
        let tm = t.clone();
        let mapped = telemetry_tasks::spawn_blocking(move || -> Result<Vec<Mapped>, Error> {
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

/// One map output, and the scope that produced it (to link to).
struct Mapped {
    input: i64,
    output: i64,
    scope: Context,
}

fn map_function(t: &Telemetry, item: i64) -> Result<Mapped, Error> {
    let scope = t
        .correlator
        .open_scope(ScopeOptions::new(format!("map_{item}")).attributes(&attrs!["input" => item]))
        .entered();
    let result = item * 2;
    scope.set_attribute("output", result);
    Ok(Mapped {
        input: item,
        output: result,
        scope: scope.context().clone(),
    })
}

fn reduce_function(t: &Telemetry, results: &[Mapped]) -> Result<i64, Error> {
    let a = attrs!["input_count" => results.len() as i64];
    let options = results
        .iter()
        .fold(ScopeOptions::new("reduce").attributes(&a), |o, m| {
            o.link(&m.scope, &attrs!["input" => m.input])
        });
    let scope = t.correlator.open_scope(options).entered();
    let total = results.iter().map(|m| m.output).sum();
    scope.set_attribute("total", total);
    Ok(total)
}
