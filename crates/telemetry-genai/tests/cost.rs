//! Cost over OTLP (HTTP/protobuf to an in-process receiver on 127.0.0.1): each span's
//! `agent_telemetry.gen_ai.usage.cost` as received, from the bundled LiteLLM table and from
//! user prices (builder and file), with cached and reasoning tokens; the `invoke_agent` sum
//! over chats in spawned tasks; an unpriced model; the alias; the cost counter.

mod common;

use common::Harness;
use telemetry_core::{Context, CorrelatorExt as _};
use telemetry_genai::{
    GenAi, GenAiConfig, ModelPrice, PRICES, PriceTable, Usage, attributes as a, provider,
};
use telemetry_testkit::{RSpan, Received};

fn cost(span: &RSpan) -> Option<f64> {
    span.attr(a::GEN_AI_USAGE_COST)
        .map(|v| v.parse().unwrap_or_else(|_| panic!("a double: {v:?}")))
}

fn span_with(got: &Received, name: &str, conversation: &str) -> RSpan {
    let v: Vec<&RSpan> = got
        .spans
        .iter()
        .filter(|s| s.name == name && s.attr(a::GEN_AI_CONVERSATION_ID) == Some(conversation))
        .collect();
    assert_eq!(v.len(), 1, "one {name} in {conversation}: {:#?}", got.spans);
    v[0].clone()
}

fn chat(genai: &GenAi, conversation: &str, model: &str, response_model: Option<&str>, u: Usage) {
    let mut c = genai
        .chat(provider::OPENAI, model.to_owned())
        .conversation_id(conversation.to_owned())
        .start();
    if let Some(m) = response_model {
        c.response_model(m.to_owned());
    }
    c.usage(u);
    c.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_spans_cost_their_usage_at_the_table_or_user_price() {
    let h = Harness::start().await;
    let mut mine = PriceTable::new();
    // Every rate set: cached and reasoning tokens priced apart.
    mine.insert(
        "acme-reasoner",
        ModelPrice {
            input_cost_per_token: 3e-6,
            output_cost_per_token: Some(1.5e-5),
            cache_read_input_token_cost: Some(3e-7),
            cache_creation_input_token_cost: Some(3.75e-6),
            output_cost_per_reasoning_token: Some(6e-5),
        },
    );
    // A user entry wins over the bundled one of the same name.
    mine.insert("gpt-4o-mini", ModelPrice::per_token(1.0, 2.0));
    let genai = GenAi::builder(&h.telemetry).with_prices(&mine).build();

    chat(&genai, "table", "gpt-4o", None, Usage::new(1200, 345));
    // Reported dated: the table's own entry for that name.
    chat(
        &genai,
        "dated",
        "gpt-4o",
        Some("gpt-4o-2024-08-06"),
        Usage::new(1000, 10),
    );
    // Reported with a provider prefix and a date the table does not list: `openai/` and the
    // date come off.
    chat(
        &genai,
        "prefixed",
        "openai/gpt-4.1-2099-01-01",
        None,
        Usage::new(10, 20),
    );
    let cached = Usage::new(1000, 400)
        .with_cache_read(600)
        .with_cache_creation(100)
        .with_reasoning(150);
    chat(&genai, "cached", "acme-reasoner", None, cached);
    chat(&genai, "override", "gpt-4o-mini", None, Usage::new(3, 4));
    let got = h.finish(5, 0).await;

    let t = PriceTable::bundled();
    let gpt = t.get("gpt-4o").unwrap();
    let want = 1200.0 * gpt.input_cost_per_token + 345.0 * gpt.output_cost_per_token.unwrap();
    assert_eq!(cost(&span_with(&got, "chat gpt-4o", "table")), Some(want));

    let dated = t.get("gpt-4o-2024-08-06").unwrap();
    let want = 1000.0 * dated.input_cost_per_token + 10.0 * dated.output_cost_per_token.unwrap();
    assert_eq!(cost(&span_with(&got, "chat gpt-4o", "dated")), Some(want));

    let g41 = t.get("gpt-4.1").unwrap();
    let want = 10.0 * g41.input_cost_per_token + 20.0 * g41.output_cost_per_token.unwrap();
    let s = span_with(&got, "chat openai/gpt-4.1-2099-01-01", "prefixed");
    assert_eq!(cost(&s), Some(want));

    // 300 plain input + 600 cache reads + 100 cache writes; 250 plain output + 150 reasoning.
    let want = 300.0 * 3e-6 + 600.0 * 3e-7 + 100.0 * 3.75e-6 + 250.0 * 1.5e-5 + 150.0 * 6e-5;
    let got_cost = cost(&span_with(&got, "chat acme-reasoner", "cached")).unwrap();
    assert!((got_cost - want).abs() < 1e-15, "{got_cost} != {want}");

    assert_eq!(
        cost(&span_with(&got, "chat gpt-4o-mini", "override")),
        Some(3.0 + 8.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_file_from_the_environment_wins_and_the_alias_is_set() {
    let path = std::env::temp_dir().join(format!("prices-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"gpt-4o": {"input_cost_per_token": 0.5, "output_cost_per_token": 0.25, "mode": "chat"}}"#,
    )
    .unwrap();
    let p = path.display().to_string();
    let config = GenAiConfig::from_env_source(|k| match k {
        PRICES => Some(p.clone()),
        "AGENT_TELEMETRY_GENAI_COST_ALIAS" => Some("gen_ai.usage.cost".into()),
        _ => None,
    })
    .unwrap();
    let h = Harness::start().await;
    let mut builder_prices = PriceTable::new();
    builder_prices.insert("gpt-4o", ModelPrice::per_token(9.0, 9.0));
    let genai = GenAi::builder(&h.telemetry)
        .with_prices(&builder_prices)
        .config(config)
        .build();
    std::fs::remove_file(&path).unwrap();
    chat(&genai, "file", "gpt-4o", None, Usage::new(4, 2));
    let got = h.finish(1, 0).await;
    let s = span_with(&got, "chat gpt-4o", "file");
    assert_eq!(cost(&s), Some(2.5));
    assert_eq!(s.attr("gen_ai.usage.cost"), Some("2.5"));

    let bad =
        GenAiConfig::from_env_source(|k| (k == PRICES).then(|| "/no/such/prices.json".into()))
            .unwrap_err()
            .to_string();
    assert!(
        bad.contains(PRICES) && bad.contains("/no/such/prices.json"),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_agent_costs_the_sum_of_its_chats_in_spawned_tasks() {
    let h = Harness::start().await;
    let genai = GenAi::new(&h.telemetry, GenAiConfig::default());
    let agent = genai
        .invoke_agent(provider::OPENAI, "fan-out")
        .conversation_id("agent")
        .start();
    let mut tasks = Vec::new();
    for i in 0..4u64 {
        // Half through the agent's builder, half found through the carried scope.
        let builder = (i % 2 == 0).then(|| agent.chat(provider::OPENAI, "gpt-4o-mini"));
        let genai = genai.clone();
        let cx: Context = agent.context().clone();
        tasks.push(tokio::spawn(cx.wrap(async move {
            let mut c = match builder {
                Some(b) => b.start(),
                None => genai.chat(provider::OPENAI, "gpt-4o-mini").start(),
            };
            c.usage(Usage::new(100 * (i + 1), 10 * (i + 1)));
            c.end();
        })));
    }
    for t in tasks {
        t.await.unwrap();
    }
    agent.end();
    let got = h.finish(5, 0).await;
    let chats: Vec<f64> = got
        .spans
        .iter()
        .filter(|s| s.name == "chat gpt-4o-mini")
        .map(|s| cost(s).expect("each chat has a cost"))
        .collect();
    assert_eq!(chats.len(), 4);
    let p = PriceTable::bundled().get("gpt-4o-mini").unwrap();
    let want: f64 = (1..=4)
        .map(|k| {
            100.0 * k as f64 * p.input_cost_per_token
                + 10.0 * k as f64 * p.output_cost_per_token.unwrap()
        })
        .sum();
    let agent = got.span_named("invoke_agent fan-out");
    let total = cost(agent).unwrap();
    assert!((total - want).abs() < 1e-12, "{total} != {want}");
    assert!((total - chats.iter().sum::<f64>()).abs() < 1e-12);
    assert_eq!(agent.attr(a::GEN_AI_USAGE_COST_INCOMPLETE), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpriced_model_gets_no_cost_and_one_warning() {
    let h = Harness::start().await;
    let genai = GenAi::new(&h.telemetry, GenAiConfig::default());
    let agent = genai
        .invoke_agent(provider::OPENAI, "mixed")
        .conversation_id("unpriced")
        .start();
    for _ in 0..3 {
        let mut c = agent.chat("acme", "in-house-llm-7").start();
        c.usage(Usage::new(5, 5));
        c.end();
    }
    let mut c = agent.chat(provider::OPENAI, "gpt-4o").start();
    c.usage(Usage::new(5, 5));
    c.end();
    // A chat without usage is not counted as unpriced.
    agent.chat("acme", "another-unknown").start().end();
    assert_eq!(genai.unpriced_operations(), 3);
    agent.end();
    let got = h.finish(6, 1).await;
    for s in got.spans.iter().filter(|s| s.name == "chat in-house-llm-7") {
        assert_eq!(s.attr(a::GEN_AI_USAGE_COST), None, "{s:#?}");
        assert_eq!(s.attr("gen_ai.usage.input_tokens"), Some("5"));
    }
    let warnings: Vec<_> = got
        .logs
        .iter()
        .filter(|l| l.event_name == a::EVENT_PRICE_MISSING)
        .collect();
    assert_eq!(warnings.len(), 1, "{:#?}", got.logs);
    let w = warnings[0];
    assert_eq!(w.severity_text, "WARN");
    assert!(
        w.body.contains("in-house-llm-7") && w.body.contains(PRICES),
        "{}",
        w.body
    );
    assert_eq!(w.attr("gen_ai.request.model"), Some("in-house-llm-7"));
    // Not an event of the application's span.
    assert_eq!(w.trace_id, "");
    let agent = got.span_named("invoke_agent mixed");
    assert!(cost(agent).unwrap() > 0.0);
    assert_eq!(agent.attr(a::GEN_AI_USAGE_COST_INCOMPLETE), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_cost_and_the_cost_counter() {
    let h = Harness::start().await;
    let genai = GenAi::new(&h.telemetry, GenAiConfig::default());
    let agent = genai.invoke_agent(provider::OPENAI, "rag").start();
    {
        let _in = agent.enter();
        let mut e = genai
            .embeddings(provider::OPENAI, "text-embedding-3-small")
            .start();
        e.input_tokens(5000);
        e.end();
    }
    let mut c = agent.chat(provider::OPENAI, "gpt-4o").start();
    c.usage(Usage::new(100, 50));
    c.end();
    agent.end();
    drop(h.telemetry.correlator.enter_scope("flush marker", &[]));
    let got = h.finish(4, 0).await;
    let e = got.span_named("embeddings text-embedding-3-small");
    let p = PriceTable::bundled().get("text-embedding-3-small").unwrap();
    assert_eq!(cost(e), Some(5000.0 * p.input_cost_per_token));
    let chat = cost(got.span_named("chat gpt-4o")).unwrap();
    let total = cost(got.span_named("invoke_agent rag")).unwrap();
    assert!((total - chat - cost(e).unwrap()).abs() < 1e-15);

    let points = got.points_of(a::METRIC_CLIENT_COST);
    let last = |model: &str| {
        points
            .iter()
            .rev()
            .find(|p| p.attributes.get("gen_ai.request.model").map(String::as_str) == Some(model))
            .unwrap_or_else(|| panic!("a cost point for {model}: {points:#?}"))
    };
    let pc = last("gpt-4o");
    assert_eq!(pc.unit, "USD");
    assert_eq!(
        pc.attributes.get("gen_ai.agent.name").map(String::as_str),
        Some("rag")
    );
    assert_eq!(
        pc.attributes
            .get("gen_ai.provider.name")
            .map(String::as_str),
        Some("openai")
    );
    assert!((pc.sum - chat).abs() < 1e-15, "{pc:#?}");
    assert!((last("text-embedding-3-small").sum - cost(e).unwrap()).abs() < 1e-15);
}
