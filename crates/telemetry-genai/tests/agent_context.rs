//! The enclosing `invoke_agent` is found through the scope chain (its state lives in the agent
//! scope's extensions), wherever the child's scope was carried: a `tokio::spawn`ed task, a
//! `std::thread`, or an explicit `child_of`. Spans started after an agent ended count toward
//! the next running agent above it, or toward none.

use std::sync::Arc;

use telemetry_basic::{BasicContextualCorrelator, BasicMeter};
use telemetry_core::{Context, CorrelatorExt, NoOpLogger, Telemetry, attrs};
use telemetry_genai::{GenAi, GenAiConfig, SemconvVersion, Usage, provider};

fn basic() -> (Telemetry, Arc<BasicMeter>) {
    let meter = Arc::new(BasicMeter::new());
    let t = Telemetry::new(
        Arc::new(NoOpLogger),
        Arc::new(BasicContextualCorrelator::new()),
        meter.clone(),
    );
    (t, meter)
}

fn attr(cx: &Context, key: &str) -> Option<String> {
    cx.own_attributes().get(key).map(|v| v.to_string())
}

/// One chat with `usage`, opened under whatever scope is current (or `parent`).
fn chat(genai: &GenAi, parent: Option<&Context>, usage: Usage) {
    let mut builder = genai.chat(provider::OPENAI, "gpt-4o");
    if let Some(p) = parent {
        builder = builder.child_of(p);
    }
    let mut span = builder.start();
    span.usage(usage);
    span.end();
}

/// `(count, sum)` of the *latest* per-agent call histogram `name` for agent `agent`.
fn agent_calls(meter: &BasicMeter, name: &str, agent: &'static str) -> (u64, f64) {
    let attrs = attrs![
        "gen_ai.operation.name" => "invoke_agent",
        "gen_ai.agent.name" => agent,
    ];
    let s = meter.snapshot();
    let h = s
        .histogram(name, &attrs)
        .unwrap_or_else(|| panic!("{name} for {agent}"));
    (h.count, h.sum)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_is_found_through_its_scope_across_tokio_spawn_and_threads() {
    let (t, meter) = basic();
    let genai = GenAi::new(
        &t,
        GenAiConfig::default().with_semconv(SemconvVersion::LatestExperimental),
    );
    let agent = genai.invoke_agent("openai", "planner").start();
    let agent_cx = agent.context().clone();

    // A task spawned while the agent is current, carrying it with `Context::wrap`; the chat
    // opens under a nested step scope, after an await (so possibly on another worker).
    let task = {
        let _in_agent = agent.enter();
        let g = genai.clone();
        tokio::spawn(Context::current().wrap(async move {
            tokio::task::yield_now().await;
            let _step = g.telemetry().correlator.enter_scope("plan step", &[]);
            chat(&g, None, Usage::new(100, 10));
        }))
    };
    task.await.unwrap();

    // A thread running a closure that carries the agent's scope (`wrap_fn`).
    let g = genai.clone();
    std::thread::spawn(
        agent_cx
            .clone()
            .wrap_fn(move || chat(&g, None, Usage::new(20, 2))),
    )
    .join()
    .unwrap();

    // A thread with no current scope, naming the parent explicitly; a tool counts too.
    let (g, cx) = (genai.clone(), agent_cx.clone());
    std::thread::spawn(move || {
        chat(&g, Some(&cx), Usage::new(3, 1));
        g.execute_tool("search").child_of(&cx).start().end();
    })
    .join()
    .unwrap();

    assert_eq!(agent.usage(), Usage::new(123, 13));
    agent.end();
    assert_eq!(
        attr(&agent_cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("123")
    );
    assert_eq!(
        attr(&agent_cx, "gen_ai.usage.output_tokens").as_deref(),
        Some("13")
    );
    let inference = "gen_ai.invoke_agent.inference_calls";
    let tools = "gen_ai.invoke_agent.tool_calls";
    assert_eq!(agent_calls(&meter, inference, "planner"), (1, 3.0));
    assert_eq!(agent_calls(&meter, tools, "planner"), (1, 1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_started_after_an_agent_ended_skip_it() {
    let (t, meter) = basic();
    let genai = GenAi::new(
        &t,
        GenAiConfig::default().with_semconv(SemconvVersion::LatestExperimental),
    );
    let outer = genai.invoke_agent("openai", "orchestrator").start();
    let outer_cx = outer.context().clone();
    let inner = genai
        .invoke_agent("openai", "researcher")
        .child_of(&outer_cx)
        .start();
    let inner_cx = inner.context().clone();
    let g = genai.clone();
    tokio::spawn(inner_cx.clone().wrap(async move {
        chat(&g, None, Usage::new(10, 1));
    }))
    .await
    .unwrap();
    assert_eq!(inner.usage(), Usage::new(10, 1));
    inner.end();

    // Under the ended inner agent, on a thread: not added to it, but to the running outer one.
    let (g, cx) = (genai.clone(), inner_cx.clone());
    std::thread::spawn(move || chat(&g, Some(&cx), Usage::new(5, 5)))
        .join()
        .unwrap();
    assert_eq!(
        attr(&inner_cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("10")
    );
    assert_eq!(
        agent_calls(&meter, "gen_ai.invoke_agent.inference_calls", "researcher"),
        (1, 1.0)
    );
    // 10 + 1 rolled up from the inner agent at its end, plus the late chat once.
    assert_eq!(outer.usage(), Usage::new(15, 6));
    outer.end();

    // Once every agent has ended, a chat anywhere below them adds to none.
    let g = genai.clone();
    tokio::spawn(inner_cx.clone().wrap(async move {
        chat(&g, None, Usage::new(7, 7));
    }))
    .await
    .unwrap();
    assert_eq!(
        attr(&outer_cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("15")
    );
    assert_eq!(
        attr(&outer_cx, "gen_ai.usage.output_tokens").as_deref(),
        Some("6")
    );
    assert_eq!(
        agent_calls(
            &meter,
            "gen_ai.invoke_agent.inference_calls",
            "orchestrator"
        ),
        (1, 1.0)
    );
}

#[test]
fn two_layers_over_one_telemetry_find_the_same_agent() {
    // No per-layer registry: the agent is found through the scope, whichever `GenAi` opened it.
    let (t, _) = basic();
    let first = GenAi::new(&t, GenAiConfig::default());
    let second = GenAi::new(&t, GenAiConfig::default());
    let agent = first.invoke_agent("openai", "a").start();
    chat(&second, Some(agent.context()), Usage::new(2, 3));
    assert_eq!(agent.usage(), Usage::new(2, 3));
    agent.end();
}
