//! Parallel work with different span types: a retrieval, an LLM call and a tool call on three
//! scoped threads, under `parallel_operations`.

use telemetry_core::{CorrelatorExt, ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_tasks::thread::ThreadScopeExt;

use crate::{Error, Outcome};

/// `parallel_operations` > `database_search` (INTERNAL), `chat gpt-4o` (CLIENT, GenAI
/// inference attributes), `execute_tool calculator` (INTERNAL, GenAI tool attributes).
///
/// # Errors
/// A thread panicked.
pub fn run(t: &Telemetry) -> Result<Outcome, Error> {
    let parent = t
        .correlator
        .open_scope(ScopeOptions::new("parallel_operations"))
        .entered();
    let (search, llm, tool) = std::thread::scope(|s| {
        let search = s.spawn_in_current_scope(|| search_database(t, "user query"));
        let llm = s.spawn_in_current_scope(|| call_llm(t));
        let tool = s.spawn_in_current_scope(|| execute_tool(t, "calculator"));
        (search.join(), llm.join(), tool.join())
    });
    let joined = |r: std::thread::Result<Result<String, Error>>| {
        r.map_err(|_| Error::from("a parallel operation panicked"))?
    };
    let results = [joined(search)?, joined(llm)?, joined(tool)?];
    parent.set_attribute("operations_completed", results.len() as i64);
    Ok(Outcome {
        correlation_id: parent.correlation_id(),
        summary: results.join(" | "),
    })
}

fn search_database(t: &Telemetry, query: &str) -> Result<String, Error> {
    let a = attrs!["db.operation.name" => "search", "query" => query.to_owned()];
    Ok(t.correlator
        .in_scope("database_search", &a, || "result1, result2".to_owned()))
}

fn call_llm(t: &Telemetry) -> Result<String, Error> {
    let a = attrs![
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
    ];
    let scope = t
        .correlator
        .open_scope(
            ScopeOptions::new("chat gpt-4o")
                .attributes(&a)
                .kind(SpanKind::Client),
        )
        .entered();
    scope.set_attribute("gen_ai.usage.input_tokens", 12_i64);
    scope.set_attribute("gen_ai.usage.output_tokens", 3_i64);
    Ok("LLM response".to_owned())
}

fn execute_tool(t: &Telemetry, tool: &'static str) -> Result<String, Error> {
    let a = attrs!["gen_ai.operation.name" => "execute_tool", "gen_ai.tool.name" => tool];
    Ok(t.correlator
        .in_scope(format!("execute_tool {tool}"), &a, || {
            format!("{tool} result")
        }))
}
