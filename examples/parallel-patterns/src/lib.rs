//! One runnable example per parallel pattern of an agent engine, each carrying the telemetry
//! scope across its boundaries with `telemetry-tasks`.
//!
//! ```
//! use parallel_patterns::{Pattern, run};
//! use telemetry_core::Telemetry;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), parallel_patterns::Error> {
//! let outcome = run(Pattern::MapReduce, &Telemetry::noop()).await?;
//! assert_eq!(outcome.summary, "final_result=30");
//! # Ok(()) }
//! ```
//!
//! | pattern | boundary crossed | tree |
//! | --- | --- | --- |
//! | [`thread_pool`] | rayon pool (`install` + parallel iterator) | `batch_processing` > `process_0..9` |
//! | [`async_concurrent`] | `JoinSet` tasks | `async_batch` > `chat gpt-4o #0..2` |
//! | [`span_types`] | `std::thread::scope` | `parallel_operations` > `database_search`, `chat gpt-4o`, `execute_tool calculator` |
//! | [`map_reduce`] | rayon parallel iterator, `spawn_blocking` | `map_reduce` > `map_phase` > `map_1..5`; `map_reduce` > `reduce_phase` > `reduce`, linked to `map_1..5` |
//! | [`streaming`] | `join_all` of instrumented streams | `multi_stream` > `streaming_completion_0..2` |
//! | [`fan_out_fan_in`] | `JoinSet` tasks, one failing source | `fan_out_fan_in` > `fan_out` > `query_{database,api,cache}`; `fan_out_fan_in` > `fan_in` > `aggregate`, linked to the successful queries |
//! | [`rate_limited`] | `spawn` + `ConcurrencyLimit` (5 permits) | `rate_limited_batch` > `operation_0..19` |
//!
//! Every pattern is a function taking `&Telemetry`, so the binary (Basic or OpenTelemetry)
//! and the tests (OpenTelemetry exporting to an in-process OTLP receiver) run the same code.

pub mod async_concurrent;
pub mod fan_out_fan_in;
pub mod map_reduce;
pub mod rate_limited;
pub mod span_types;
pub mod streaming;
pub mod thread_pool;

use telemetry_core::{CorrelationId, Telemetry};

/// Any failure of a pattern (scope names, pools, joins).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What a pattern produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The root scope's correlation id (the trace id); `None` with NoOp telemetry.
    pub correlation_id: Option<CorrelationId>,
    /// A one-line result, e.g. `results_count=10`.
    pub summary: String,
}

/// The parallel-work patterns whose child spans must stay linked to their parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Pattern {
    /// Ten items on a 4-thread pool.
    ThreadPool,
    /// Three concurrent LLM calls.
    AsyncConcurrent,
    /// A retrieval, an LLM call and a tool call in parallel threads.
    SpanTypes,
    /// A parallel map phase and a sequential reduce phase.
    MapReduce,
    /// Three streaming completions consumed concurrently.
    Streaming,
    /// Three sources queried in parallel, one failing, then aggregated.
    FanOutFanIn,
    /// Twenty operations, at most five at once.
    RateLimited,
}

impl Pattern {
    /// Every pattern, from the simplest (a thread pool) to rate limits.
    pub const ALL: [Pattern; 7] = [
        Pattern::ThreadPool,
        Pattern::AsyncConcurrent,
        Pattern::SpanTypes,
        Pattern::MapReduce,
        Pattern::Streaming,
        Pattern::FanOutFanIn,
        Pattern::RateLimited,
    ];
}

/// Runs `pattern`. Thread-based patterns run on tokio's blocking pool through
/// [`telemetry_tasks::spawn_blocking`], so they never block an async worker.
///
/// # Errors
/// The pattern's own failure (a scope name, a pool that could not start, a panicked task).
pub async fn run(pattern: Pattern, t: &Telemetry) -> Result<Outcome, Error> {
    let blocking = |f: fn(&Telemetry) -> Result<Outcome, Error>| {
        let t = t.clone();
        telemetry_tasks::spawn_blocking(move || f(&t))
    };
    match pattern {
        Pattern::ThreadPool => blocking(thread_pool::run).await?,
        Pattern::AsyncConcurrent => async_concurrent::run(t).await,
        Pattern::SpanTypes => blocking(span_types::run).await?,
        Pattern::MapReduce => map_reduce::run(t).await,
        Pattern::Streaming => streaming::run(t).await,
        Pattern::FanOutFanIn => fan_out_fan_in::run(t).await,
        Pattern::RateLimited => rate_limited::run(t).await,
    }
}
