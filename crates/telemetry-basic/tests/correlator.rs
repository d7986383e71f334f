//! Scopes of the Basic correlator: nesting, ids, restoration after panics and cancellation,
//! and isolation under concurrency.

use std::any::Any;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use telemetry_basic::{BasicContextualCorrelator, LogFormat, MemoryWriter, StdoutLogger};
use telemetry_core::implement::ScopeExtension;
use telemetry_core::propagation::RemoteParent;
use telemetry_core::{
    AttributeValue, Context, ContextualCorrelator, CorrelationId, CorrelatorExt, Logger, Scope,
    ScopeEnd, ScopeOptions, SpanId, attrs,
};

#[test]
fn nested_scopes_inherit_attributes_and_share_the_correlation_id() {
    let c = BasicContextualCorrelator::new();
    assert_eq!(c.correlation_id(), None);
    assert!(c.scope_path().is_empty());

    let root = c.enter_scope(
        "POST /v1/sessions",
        &attrs!["tenant" => "acme", "agent" => "router"],
    );
    let id = c.correlation_id().expect("inside a scope");
    {
        let _agent = c.enter_scope(
            "invoke_agent planner",
            &attrs!["agent" => "planner", "depth" => 1],
        );
        assert_eq!(c.correlation_id(), Some(id));
        assert_eq!(
            c.scope_path(),
            ["POST /v1/sessions", "invoke_agent planner"]
        );
        // Inherited from the parent.
        assert_eq!(c.attribute("tenant"), Some(AttributeValue::from("acme")));
        // The child wins on the same key.
        assert_eq!(c.attribute("agent"), Some(AttributeValue::from("planner")));
        assert_eq!(c.attribute("depth"), Some(AttributeValue::I64(1)));
        assert_eq!(c.attribute("missing"), None);

        c.in_scope("execute_tool clock", &[], || {
            assert_eq!(c.correlation_id(), Some(id));
            assert_eq!(c.current().depth(), 2);
            assert_eq!(
                c.scope_path(),
                [
                    "POST /v1/sessions",
                    "invoke_agent planner",
                    "execute_tool clock"
                ]
            );
        });
    }
    // Leaving the child restores the parent and its attribute values.
    assert_eq!(c.scope_path(), ["POST /v1/sessions"]);
    assert_eq!(c.attribute("agent"), Some(AttributeValue::from("router")));
    drop(root);
    assert_eq!(c.correlation_id(), None);

    // A new root gets a new id.
    let again = c.enter_scope("POST /v1/sessions", &[]);
    assert_ne!(c.correlation_id(), Some(id));
    drop(again);
}

#[test]
fn explicit_roots_take_the_given_or_remote_id() {
    let c = BasicContextualCorrelator::new();
    let outer = c.enter_scope("outer", &[]);
    let outer_id = c.correlation_id().unwrap();

    // `root()` ignores the current scope.
    let fresh = c.open_scope(ScopeOptions::new("fresh").root());
    assert_ne!(fresh.correlation_id(), Some(outer_id));
    assert!(fresh.context().parent().is_none());

    let given = CorrelationId::parse("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
    let scope = c.open_scope(ScopeOptions::new("replay").root_with_id(given));
    assert_eq!(scope.correlation_id(), Some(given));
    let guard = scope.entered();
    let child = c.enter_scope("child", &[]);
    assert_eq!(c.correlation_id(), Some(given));
    drop(child);
    drop(guard);

    let remote = RemoteParent::new(
        CorrelationId::parse("0af7651916cd43dd8448eb211c80319c").unwrap(),
        SpanId::parse("b7ad6b7169203331").unwrap(),
    );
    let scope =
        c.open_scope(ScopeOptions::new("POST /v1/sessions").remote_parent(Some(remote.clone())));
    assert_eq!(scope.correlation_id(), Some(remote.trace_id));
    assert_eq!(scope.context().parent_span_id(), Some(remote.span_id));
    assert!(scope.context().parent().is_none());

    // No (or an invalid) incoming header: a fresh root.
    let none = c.open_scope(ScopeOptions::new("POST /v1/sessions").remote_parent(None));
    assert!(none.correlation_id().is_some_and(|id| id != outer_id));
    drop(outer);
}

#[test]
fn empty_names_open_a_scope_under_the_placeholder_name() {
    let c = BasicContextualCorrelator::new();
    let scope = c.open_scope(ScopeOptions::new("  "));
    assert_eq!(
        scope.context().name(),
        Some(telemetry_core::diagnostics::UNNAMED_SCOPE)
    );
    assert!(scope.correlation_id().is_some());
}

/// A correlator that opens Basic scopes with an extension recording how each one ended.
#[derive(Clone, Default)]
struct Recording {
    ends: Arc<Mutex<Vec<(String, ScopeEnd)>>>,
}

struct RecordingExtension {
    name: String,
    ends: Arc<Mutex<Vec<(String, ScopeEnd)>>>,
}

impl ScopeExtension for RecordingExtension {
    fn end(&self, how: ScopeEnd) {
        self.ends.lock().unwrap().push((self.name.clone(), how));
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ContextualCorrelator for Recording {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        let ext = RecordingExtension {
            name: options.name().to_owned(),
            ends: self.ends.clone(),
        };
        options.resolve().into_scope(Some(Box::new(ext)))
    }
}

impl Recording {
    fn ends(&self) -> Vec<(String, ScopeEnd)> {
        self.ends.lock().unwrap().clone()
    }
}

#[test]
fn context_is_restored_after_a_panic() {
    let basic = BasicContextualCorrelator::new();
    let recording = Recording::default();
    let outer = basic.enter_scope("outer", &[]);
    let before = basic.current();

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _inner = recording.enter_scope("inner", &[]);
        let _basic_inner = basic.enter_scope("basic inner", &[]);
        assert_eq!(basic.scope_path(), ["outer", "inner", "basic inner"]);
        panic!("tool failed");
    }));

    assert!(result.is_err());
    assert_eq!(basic.current(), before);
    assert_eq!(basic.scope_path(), ["outer"]);
    assert_eq!(recording.ends(), [("inner".to_owned(), ScopeEnd::Panicked)]);
    drop(outer);
    assert!(basic.current().is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn context_is_restored_after_a_cancelled_future() {
    let basic = BasicContextualCorrelator::new();
    let recording = Recording::default();
    let outer = basic.enter_scope("outer", &[]);
    let before = basic.current();

    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let pending = recording.scoped("slow tool", &[], async move {
        let _ = seen_tx.send(Context::current().path().to_string());
        std::future::pending::<()>().await;
    });
    // The scope is not current outside the future, even before it runs.
    assert_eq!(basic.current(), before);
    let timed_out = tokio::time::timeout(Duration::from_millis(20), pending).await;

    assert!(timed_out.is_err());
    assert_eq!(seen_rx.try_recv().unwrap(), "outer > slow tool");
    assert_eq!(basic.current(), before);
    assert_eq!(
        recording.ends(),
        [("slow tool".to_owned(), ScopeEnd::Cancelled)]
    );

    // `select!`-style: the losing branch is dropped mid-way.
    let fast = recording.scoped("fast", &[], async { 1 });
    let slow = recording.scoped("loser", &[], std::future::pending::<u8>());
    let winner = tokio::select! {
        v = fast => v,
        v = slow => v,
    };
    assert_eq!(winner, 1);
    assert_eq!(basic.current(), before);
    let ends = recording.ends();
    assert!(
        ends.contains(&("fast".to_owned(), ScopeEnd::Completed)),
        "{ends:?}"
    );
    assert!(
        ends.contains(&("loser".to_owned(), ScopeEnd::Cancelled)),
        "{ends:?}"
    );
    drop(outer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_tasks_never_see_each_others_ids() {
    const TASKS: usize = 1000;
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger: Arc<dyn Logger> = Arc::new(
        StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()))
            .format(LogFormat::Json),
    );

    let mut handles = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let (c, log) = (correlator.clone(), logger.clone());
        let root = correlator.open_scope(ScopeOptions::new(format!("task {task}")).root());
        handles.push(tokio::spawn(root.instrument(async move {
            let id = c.correlation_id().unwrap().to_string();
            let a = attrs!["root" => id.clone(), "task" => task];
            log.info("start", &a);
            tokio::task::yield_now().await;
            let (c2, log2, a2) = (c.clone(), log.clone(), a.clone());
            c.scoped("invoke_agent", &attrs!["n" => task], async move {
                log2.info("agent", &a2);
                tokio::task::yield_now().await;
                let log3 = log2.clone();
                let a3 = a2.clone();
                c2.scoped("execute_tool", &[], async move {
                    tokio::task::yield_now().await;
                    log3.info("tool", &a3);
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    log3.info("tool done", &a3);
                })
                .await;
                log2.info("agent done", &a2);
            })
            .await;
            tokio::task::yield_now().await;
            log.info("end", &a);
        })));
    }
    for h in handles {
        h.await.unwrap();
    }

    let lines = out.lines();
    assert_eq!(lines.len(), TASKS * 6);
    let mut per_task = vec![0usize; TASKS];
    let mut ids = HashSet::new();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).expect("every line is one JSON object");
        let root = v["attributes"]["root"].as_str().unwrap();
        assert_eq!(v["correlation_id"].as_str(), Some(root), "{line}");
        let task = v["attributes"]["task"].as_u64().unwrap() as usize;
        let path: Vec<&str> = v["scope_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(path[0], format!("task {task}"), "{line}");
        let expected_depth = match v["message"].as_str().unwrap() {
            "start" | "end" => 1,
            "agent" | "agent done" => 2,
            _ => 3,
        };
        assert_eq!(path.len(), expected_depth, "{line}");
        per_task[task] += 1;
        ids.insert(root.to_owned());
    }
    assert!(per_task.iter().all(|n| *n == 6));
    assert_eq!(ids.len(), TASKS);
}

#[test]
fn a_hand_carried_context_keeps_the_id_in_a_std_thread() {
    let c = BasicContextualCorrelator::new();
    let scope = c.enter_scope("request", &attrs!["tenant" => "acme"]);
    let id = c.correlation_id().unwrap();

    let ctx = Context::current();
    let seen = std::thread::spawn(ctx.wrap_fn(move || {
        let c = BasicContextualCorrelator::new();
        let inner = c.in_scope("background", &[], || (c.correlation_id(), c.scope_path()));
        (c.correlation_id(), c.attribute("tenant"), inner)
    }))
    .join()
    .unwrap();

    assert_eq!(seen.0, Some(id));
    assert_eq!(seen.1, Some(AttributeValue::from("acme")));
    assert_eq!(
        seen.2,
        (
            Some(id),
            vec!["request".to_owned(), "background".to_owned()]
        )
    );

    // Without the context, a plain thread has none.
    let plain = std::thread::spawn(|| BasicContextualCorrelator.correlation_id())
        .join()
        .unwrap();
    assert_eq!(plain, None);
    drop(scope);
}

#[test]
fn a_million_roots_have_unique_valid_ids() {
    const ROOTS: usize = 1_000_000;
    let c = BasicContextualCorrelator::new();
    let mut seen: HashSet<u128> = HashSet::with_capacity(ROOTS);
    for _ in 0..ROOTS {
        let scope = c.open_scope(ScopeOptions::new("root").root());
        let id = scope.correlation_id().unwrap();
        assert!(seen.insert(id.to_int()), "duplicate correlation id {id}");
    }
    assert!(!seen.contains(&0));
    // The textual form is 32 lowercase hex characters (checked on a sample: formatting a
    // million ids would only test `format!`).
    for raw in seen.iter().take(10_000) {
        let text = CorrelationId::from_int(*raw).unwrap().to_string();
        assert_eq!(text.len(), 32);
        assert!(
            text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{text}"
        );
    }
}

#[test]
fn links_are_kept_on_the_scope_and_not_inherited() {
    let c = BasicContextualCorrelator::new();
    let producer = c.open_scope(ScopeOptions::new("publish").root());
    let consumer = c.open_scope(
        ScopeOptions::new("process")
            .root()
            .link(producer.context(), &attrs!["messaging.message.id" => "m-1"]),
    );
    let links = consumer.context().links();
    assert_eq!(links.len(), 1);
    assert_eq!(Some(links[0].trace_id), producer.correlation_id());
    assert_eq!(Some(links[0].span_id), producer.context().span_id());
    assert_eq!(links[0].attributes, attrs!["messaging.message.id" => "m-1"]);
    assert_ne!(consumer.correlation_id(), producer.correlation_id());
    let _in = consumer.enter();
    let child = c.enter_scope("handle", &[]);
    assert!(child.context().links().is_empty());
    assert!(producer.context().links().is_empty());
}
