//! Async streaming: three streaming completions consumed concurrently with `join_all`; each
//! stream owns its scope, which ends when the stream ends (or, if dropped early, as
//! cancelled).

use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use telemetry_core::{ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_tasks::{FutureScopeExt, StreamScopeExt};

use crate::{Error, Outcome};

/// The questions asked.
pub const PROMPTS: [&str; 3] = ["Question 1", "Question 2", "Question 3"];

/// One chunk of a streamed reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    /// Text delta.
    pub text: String,
    /// Set on the last chunk, as OpenAI-style APIs do.
    pub finish_reason: Option<&'static str>,
}

/// A simulated streamed reply: one chunk per word, the last with `finish_reason = "stop"`.
pub fn simulated_stream(prompt: &str) -> impl futures::Stream<Item = Chunk> + Send + 'static {
    let words: Vec<String> = format!("An answer to {prompt}")
        .split(' ')
        .map(str::to_owned)
        .collect();
    let n = words.len();
    futures::stream::iter(words.into_iter().enumerate()).then(move |(i, w)| async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Chunk {
            text: if i == 0 { w } else { format!(" {w}") },
            finish_reason: (i + 1 == n).then_some("stop"),
        }
    })
}

/// `multi_stream` (`num_streams`, `total_responses`) > `streaming_completion_{i}` (CLIENT,
/// GenAI attributes, `response_length`, `gen_ai.response.finish_reasons`).
///
/// # Errors
/// None: the `Result` keeps the signature every pattern shares.
pub async fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let root = t.correlator.open_scope(
        ScopeOptions::new("multi_stream")
            .attributes(&attrs!["num_streams" => PROMPTS.len() as i64]),
    );
    // Plain `join_all`: every future is polled inside this one, so the scope is current in each.
    let body = join_all(
        PROMPTS
            .iter()
            .enumerate()
            .map(|(i, p)| stream_completion(t, p, i)),
    );
    let results: Vec<String> = body
        .in_scope(root.context())
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    root.set_attribute("total_responses", results.len() as i64);
    Ok(Outcome {
        correlation_id: root.correlation_id(),
        summary: format!("total_responses={}", results.len()),
    })
}

async fn stream_completion(t: &Telemetry, prompt: &str, index: usize) -> Result<String, Error> {
    let a = attrs![
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
    ];
    let scope = t.correlator.open_scope(
        ScopeOptions::new(format!("streaming_completion_{index}"))
            .attributes(&a)
            .kind(SpanKind::Client),
    );
    let mut stream = Box::pin(simulated_stream(prompt).instrument(scope));
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        text.push_str(&chunk.text);
        if let (Some(reason), Some(scope)) = (chunk.finish_reason, stream.scope()) {
            scope.set_attribute("response_length", text.len() as i64);
            scope.set_attribute("gen_ai.response.finish_reasons", reason);
        }
    }
    // The scope ended when the stream yielded `None`.
    Ok(text)
}
