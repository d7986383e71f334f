//! Async concurrent operations: three simulated LLM calls spawned on a `JoinSet`, under
//! `async_batch` (Python's `asyncio.gather`, in Rust).

use std::time::Duration;

use telemetry_core::{ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_tasks::{FutureScopeExt, JoinSetExt};
use tokio::task::JoinSet;

use crate::{Error, Outcome};

/// The prompts sent.
pub const PROMPTS: [&str; 3] = ["Prompt 1", "Prompt 2", "Prompt 3"];

/// `async_batch` (`num_prompts`, `results_count`) > `chat gpt-4o #{i}` (CLIENT, GenAI
/// inference attributes, `prompt_index`).
///
/// # Errors
/// A task panicked.
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let root = t.correlator.open_scope(
        ScopeOptions::new("async_batch").attributes(&attrs!["num_prompts" => PROMPTS.len() as i64]),
    );
    let body = async {
        let mut set = JoinSet::new();
        for (i, prompt) in PROMPTS.into_iter().enumerate() {
            let t = t.clone();
            // Spawned tasks run on any worker; the batch scope goes with them.
            set.spawn_in_current_scope(async move { fetch_completion(&t, prompt, i).await });
        }
        let mut results = vec![String::new(); PROMPTS.len()];
        while let Some(done) = set.join_next().await {
            let (i, text) = done??;
            results[i] = text;
        }
        Ok::<_, Error>(results)
    };
    let results = body.in_scope(root.context()).await?;
    root.set_attribute("results_count", results.len() as i64);
    Ok(Outcome {
        correlation_id: root.correlation_id(),
        summary: format!("results_count={}", results.len()),
    })
}

async fn fetch_completion(
    t: &Telemetry,
    prompt: &str,
    index: usize,
) -> Result<(usize, String), Error> {
    let a = attrs![
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
        "prompt_index" => index as i64,
    ];
    let scope = t.correlator.open_scope(
        ScopeOptions::new(format!("chat gpt-4o #{index}"))
            .attributes(&a)
            .kind(SpanKind::Client),
    );
    let reply = async {
        // A stand-in for the network call.
        tokio::time::sleep(Duration::from_millis(5 * (3 - index as u64))).await;
        t.logger.info(
            "completion received",
            &attrs!["prompt_index" => index as i64],
        );
        format!("reply to {prompt}")
    }
    .in_scope(scope.context())
    .await;
    scope.set_attribute("gen_ai.response.model", "gpt-4o");
    Ok((index, reply))
}
