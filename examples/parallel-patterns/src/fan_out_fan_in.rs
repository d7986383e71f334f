//! Fan-out/fan-in: three sources queried in parallel tasks, one of which fails; the failure is
//! recorded on its own scope (`record_error`) and as an error-level log event on `fan_out`;
//! the rest is aggregated.
//!
//! `aggregate` links to each `query_{source}` span whose rows it combines (span links: the
//! OpenTelemetry *Tracing API*, "Link"). Its parent is still `fan_in`: the scope it is part of.
//! Here the queries share the trace, because they were fanned out from it; when the inputs of an
//! aggregate come from traces of their own (queued jobs, a batch of requests), the links are the
//! only connection to them, and the aggregate is a root or a child of the batch's own scope.

use telemetry_core::{Context, CorrelatorExt, ScopeOptions, Telemetry, attrs};
use telemetry_tasks::{FutureScopeExt, JoinSetExt};
use tokio::task::JoinSet;

use crate::{Error, Outcome};

/// The sources queried; `api` fails.
pub const SOURCES: [&str; 3] = ["database", "api", "cache"];

/// The source that fails in this example.
pub const FAILING_SOURCE: &str = "api";

/// `fan_out_fan_in` (`final_count`) > `fan_out` (`sources_queried`, `successful_queries`, an
/// error log event per failed source) > `query_{source}`; `fan_out_fan_in` > `fan_in` >
/// `aggregate` (`total_items`; a link with `source` to each successful `query_{source}`).
///
/// # Errors
/// A task panicked (a failing source is not an error here).
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let root = t.correlator.open_scope(ScopeOptions::new("fan_out_fan_in"));
    let body = async {
        let fan_out = t.correlator.open_scope(ScopeOptions::new("fan_out"));
        let all_results = fan_out_queries(t, "search term")
            .in_scope(fan_out.context())
            .await?;
        fan_out.set_attribute("sources_queried", SOURCES.len() as i64);
        fan_out.set_attribute("successful_queries", all_results.len() as i64);
        drop(fan_out);
        let flat = t
            .correlator
            .in_scope("fan_in", &[], || aggregate(t, all_results))?;
        Ok::<_, Error>(flat)
    };
    let final_results = body.in_scope(root.context()).await?;
    root.set_attribute("final_count", final_results.len() as i64);
    Ok(Outcome {
        correlation_id: root.correlation_id(),
        summary: format!("final_count={}", final_results.len()),
    })
}

/// One source's rows, and the scope that produced them (to link to).
struct Sourced {
    source: &'static str,
    rows: Vec<String>,
    scope: Context,
}

/// Runs in the `fan_out` scope: one task per source, failures logged here.
async fn fan_out_queries(t: &Telemetry, query: &'static str) -> Result<Vec<Sourced>, Error> {
    let mut set = JoinSet::new();
    for source in SOURCES {
        let t = t.clone();
        set.spawn_in_current_scope(async move { (source, query_source(&t, source, query).await) });
    }
    let mut all = Vec::new();
    while let Some(done) = set.join_next().await {
        match done? {
            (_, Ok(sourced)) => all.push(sourced),
            (source, Err(e)) => t.logger.error(
                &format!("{source}_failed"),
                &attrs![
                    "source" => source,
                    "error.type" => "SourceUnavailable",
                    "exception.message" => e.to_string(),
                ],
            ),
        }
    }
    Ok(all)
}

async fn query_source(
    t: &Telemetry,
    source: &'static str,
    query: &'static str,
) -> Result<Sourced, Error> {
    let a = attrs!["source" => source, "query" => query];
    let scope = t
        .correlator
        .open_scope(ScopeOptions::new(format!("query_{source}")).attributes(&a));
    let result = async {
        tokio::task::yield_now().await;
        if source == FAILING_SOURCE {
            return Err(Error::from(format!("{source} is unavailable (HTTP 503)")));
        }
        Ok((0..3).map(|i| format!("{source}_result_{i}")).collect())
    }
    .in_scope(scope.context())
    .await;
    if let Err(e) = &result {
        scope.record_error("SourceUnavailable", &e.to_string());
    }
    result.map(|rows| Sourced {
        source,
        rows,
        scope: scope.context().clone(),
    })
}

fn aggregate(t: &Telemetry, all_results: Vec<Sourced>) -> Result<Vec<String>, Error> {
    let options = all_results
        .iter()
        .fold(ScopeOptions::new("aggregate"), |o, r| {
            o.link(&r.scope, &attrs!["source" => r.source])
        });
    let scope = t.correlator.open_scope(options).entered();
    let flat: Vec<String> = all_results.into_iter().flat_map(|r| r.rows).collect();
    scope.set_attribute("total_items", flat.len() as i64);
    Ok(flat)
}
