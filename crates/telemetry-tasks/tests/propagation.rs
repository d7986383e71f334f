//! Every boundary carries the caller's scope: children link to the right parent and carry its
//! correlation id, with the recording correlator, Basic and NoOp.
#![cfg(all(feature = "tokio", feature = "futures"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Recording;
use futures::StreamExt;
use telemetry_basic::BasicContextualCorrelator;
use telemetry_core::{
    Context, ContextualCorrelator, CorrelatorExt, NoOpCorrelator, ScopeEnd, ScopeOptions,
};
use telemetry_tasks::thread::ThreadScopeExt;
use telemetry_tasks::{
    ConcurrencyLimit, FutureScopeExt, JoinSetExt, LimitError, StreamScopeExt,
    WAIT_DURATION_ATTRIBUTE, join_all_scoped,
};

/// Opens a child named `name` of whatever is current and returns its (id, parent span id).
fn child(c: &Recording, name: &str) {
    c.in_scope(name.to_owned(), &[], || ());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spawn_helper_links_children_to_the_callers_scope() {
    let c = Recording::default();
    let root = c.open_scope(ScopeOptions::new("root"));
    let root_cx = root.context().clone();
    {
        let _entered = root.enter();
        let (a, b, d) = (c.clone(), c.clone(), c.clone());
        let task = telemetry_tasks::spawn(async move { child(&a, "task") });
        let blocking = telemetry_tasks::spawn_blocking(move || child(&b, "blocking"));
        let thread = telemetry_tasks::thread::spawn(move || child(&d, "thread"));
        let e = c.clone();
        let named = telemetry_tasks::thread::spawn_with(
            std::thread::Builder::new().name("named".into()),
            move || child(&e, "named_thread"),
        )
        .unwrap();
        std::thread::scope(|s| {
            s.spawn_in_current_scope(|| child(&c, "scoped_thread"))
                .join()
                .unwrap();
        });
        let mut set = tokio::task::JoinSet::new();
        let (f, g) = (c.clone(), c.clone());
        set.spawn_in_current_scope(async move { child(&f, "join_set") });
        set.spawn_blocking_in_current_scope(move || child(&g, "join_set_blocking"));
        drop(_entered);
        task.await.unwrap();
        blocking.await.unwrap();
        thread.join().unwrap();
        named.join().unwrap();
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
    }
    drop(root);
    let root_end = c.one("root");
    for name in [
        "task",
        "blocking",
        "thread",
        "named_thread",
        "scoped_thread",
        "join_set",
        "join_set_blocking",
    ] {
        let e = c.one(name);
        assert_eq!(e.parent_span_id, root_cx.span_id(), "{name}: parent");
        assert_eq!(e.correlation_id, root_end.correlation_id, "{name}: trace");
    }
    assert_eq!(c.live(), 1, "only the snapshot this test holds");
    drop(root_cx);
    assert_eq!(c.live(), 0, "every scope's data is freed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tokio_spawn_loses_the_scope_which_is_why_the_helpers_exist() {
    let c = Recording::default();
    let root = c.enter_scope("root", &[]);
    let a = c.clone();
    tokio::spawn(async move { child(&a, "lost") })
        .await
        .unwrap();
    let root_id = root.correlation_id();
    drop(root);
    let lost = c.one("lost");
    assert_eq!(lost.parent_span_id, None);
    assert_ne!(Some(lost.correlation_id), root_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_started_after_its_parent_ended_still_links_to_it() {
    let c = Recording::default();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let a = c.clone();
    let (handle, parent_cx) = {
        let parent = c.enter_scope("handler", &[]);
        let handle = telemetry_tasks::spawn(async move {
            rx.await.unwrap();
            assert!(Context::current().has_ended(), "the handler has returned");
            child(&a, "background");
        });
        (handle, parent.context().clone())
    }; // the handler scope ends here, before the task opens its child
    assert_eq!(c.ended().len(), 1);
    tx.send(()).unwrap();
    handle.await.unwrap();
    let background = c.one("background");
    assert_eq!(background.parent_span_id, parent_cx.span_id());
    assert_eq!(Some(background.correlation_id), parent_cx.correlation_id());
    drop(parent_cx);
    assert_eq!(c.live(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_work_the_same_with_basic_and_noop() {
    let basic = BasicContextualCorrelator::new();
    let root = basic.enter_scope("root", &[]);
    let id = basic.correlation_id();
    assert!(id.is_some());
    let paths = (
        telemetry_tasks::spawn(async move { basic.in_scope("t", &[], || basic.scope_path()) })
            .await
            .unwrap(),
        telemetry_tasks::spawn_blocking(move || basic.correlation_id())
            .await
            .unwrap(),
    );
    assert_eq!(paths.0, ["root", "t"]);
    assert_eq!(paths.1, id);
    drop(root);

    let noop = NoOpCorrelator;
    let _root = noop.enter_scope("root", &[]);
    let got =
        telemetry_tasks::spawn(async move { noop.in_scope("t", &[], || noop.correlation_id()) })
            .await
            .unwrap();
    assert_eq!(got, None);
    // An empty name opens a scope like any other (named `unnamed_scope`); NoOp still runs `f`.
    assert_eq!(noop.in_scope("", &[], || 7), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_task_ends_its_scope_as_cancelled() {
    let c = Recording::default();
    let root = c.enter_scope("root", &[]);
    let started = Arc::new(tokio::sync::Notify::new());
    let s = started.clone();
    let handle = telemetry_tasks::spawn(c.scoped("doomed", &[], async move {
        s.notify_one();
        std::future::pending::<()>().await;
    }));
    started.notified().await;
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());
    drop(root);
    let doomed = c.one("doomed");
    assert_eq!(doomed.how, ScopeEnd::Cancelled);
    assert_eq!(
        Some(doomed.parent_span_id.unwrap()),
        c.one("root").span_id.into()
    );
    assert_eq!(c.live(), 0);
}

#[tokio::test]
async fn future_in_scope_uses_the_given_context() {
    let c = Recording::default();
    let elsewhere = c.open_scope(ScopeOptions::new("elsewhere"));
    let d = c.clone();
    async move { child(&d, "inside") }
        .in_scope(elsewhere.context())
        .await;
    assert_eq!(
        c.one("inside").parent_span_id,
        elsewhere.context().span_id()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instrumented_stream_is_current_in_every_poll_and_ends_with_the_stream() {
    let c = Recording::default();
    let root = c.enter_scope("root", &[]);
    let scope = c.open_scope(ScopeOptions::new("streaming"));
    let span = scope.context().span_id();
    let d = c.clone();
    let stream = futures::stream::iter(0..3)
        .then(|i| async move {
            tokio::task::yield_now().await;
            i
        })
        .map(move |i| {
            child(&d, &format!("chunk_{i}"));
            i
        })
        .instrument(scope);
    drop(root);
    // Polled on another task (and maybe another worker) than the one that built it.
    let items: Vec<i32> = tokio::spawn(stream.collect()).await.unwrap();
    assert_eq!(items, [0, 1, 2]);
    let streaming = c.one("streaming");
    assert_eq!(streaming.how, ScopeEnd::Completed);
    for i in 0..3 {
        assert_eq!(c.one(&format!("chunk_{i}")).parent_span_id, span);
    }
    assert_eq!(c.live(), 0);
}

#[tokio::test]
async fn instrumented_stream_dropped_early_is_cancelled() {
    let c = Recording::default();
    let scope = c.open_scope(ScopeOptions::new("streaming"));
    let mut stream = futures::stream::iter(0..10).instrument(scope);
    assert_eq!(stream.next().await, Some(0));
    assert!(stream.scope().is_some());
    assert!(c.ended().is_empty(), "still open while the stream lives");
    drop(stream);
    assert_eq!(c.one("streaming").how, ScopeEnd::Cancelled);
}

#[test]
fn instrumented_stream_that_panics_ends_as_panicked() {
    let c = Recording::default();
    let scope = c.open_scope(ScopeOptions::new("streaming"));
    let mut stream = futures::stream::iter(0..3)
        .map(|i| if i == 1 { panic!("boom") } else { i })
        .instrument(scope);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures::executor::block_on(async { while stream.next().await.is_some() {} })
    }));
    assert!(caught.is_err());
    // Ended during the unwind, although the stream itself is still alive here.
    assert_eq!(c.one("streaming").how, ScopeEnd::Panicked);
    assert!(stream.scope().is_none());
    drop(stream);
    assert_eq!(c.ended().len(), 1, "ended exactly once");
}

#[tokio::test]
async fn stream_in_current_scope_carries_a_snapshot() {
    let c = Recording::default();
    let root = c.enter_scope("root", &[]);
    let d = c.clone();
    let stream = futures::stream::iter(0..2)
        .map(move |i| child(&d, &format!("item_{i}")))
        .in_current_scope();
    let span = root.context().span_id();
    drop(root);
    stream.collect::<Vec<_>>().await;
    assert_eq!(c.one("item_0").parent_span_id, span);
    assert_eq!(c.one("item_1").parent_span_id, span);
}

#[tokio::test]
async fn join_all_scoped_opens_one_sibling_per_future_and_validates_first() {
    let c = Recording::default();
    let root = c.enter_scope("async_batch", &[]);
    let outs = join_all_scoped(
        &c,
        (0..3).map(|i| {
            (
                ScopeOptions::new(format!("completion_{i}")),
                async move { i },
            )
        }),
    )
    .await;
    assert_eq!(outs, [0, 1, 2]);
    let opened = c.0.opened.load(Ordering::SeqCst);
    // An empty name never fails the join: that future runs in a scope named `unnamed_scope`.
    let unnamed = join_all_scoped(
        &c,
        ["ok", ""]
            .into_iter()
            .map(|n| (ScopeOptions::new(n), async { 1 })),
    )
    .await;
    assert_eq!(unnamed, [1, 1]);
    assert_eq!(c.0.opened.load(Ordering::SeqCst), opened + 2);
    assert_eq!(c.named(telemetry_core::diagnostics::UNNAMED_SCOPE).len(), 1);
    let span = root.context().span_id();
    drop(root);
    for i in 0..3 {
        let e = c.one(&format!("completion_{i}"));
        assert_eq!(e.parent_span_id, span);
        assert_eq!(e.how, ScopeEnd::Completed);
    }
}

#[tokio::test]
async fn the_losing_select_branch_is_cancelled() {
    let c = Recording::default();
    let _root = c.enter_scope("root", &[]);
    let fast = c.scoped("fast", &[], async { 1 });
    let slow = c.scoped("slow", &[], std::future::pending::<i32>());
    let winner = tokio::select! {
        v = fast => v,
        v = slow => v,
    };
    assert_eq!(winner, 1);
    assert_eq!(c.one("fast").how, ScopeEnd::Completed);
    assert_eq!(c.one("slow").how, ScopeEnd::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_bounds_concurrency_and_records_the_wait() {
    let c = Recording::default();
    let limit = ConcurrencyLimit::new(Arc::new(c.clone()), 3).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let root = c.enter_scope("rate_limited_batch", &[]);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (running, peak) = (running.clone(), peak.clone());
            telemetry_tasks::spawn(limit.run(format!("operation_{i}"), &[], async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let waited = Context::current()
                    .own_attributes()
                    .get(WAIT_DURATION_ATTRIBUTE)
                    .cloned();
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                waited
            }))
        })
        .collect();
    let span = root.context().span_id();
    drop(root);
    for t in tasks {
        let waited = t.await.unwrap().unwrap();
        assert!(
            waited.is_some(),
            "the wait is an attribute of the operation's scope"
        );
    }
    assert!(peak.load(Ordering::SeqCst) <= 3, "at most 3 at once");
    for i in 0..12 {
        assert_eq!(c.one(&format!("operation_{i}")).parent_span_id, span);
    }

    assert_eq!(
        ConcurrencyLimit::new(Arc::new(c.clone()), 0).unwrap_err(),
        LimitError::ZeroPermits
    );
    // An empty name runs like any other, in a scope named `unnamed_scope`.
    assert_eq!(limit.run("", &[], async { 5 }).await, Ok(5));
    assert_eq!(c.named(telemetry_core::diagnostics::UNNAMED_SCOPE).len(), 1);
    limit.semaphore().close();
    assert_eq!(
        limit.run("late", &[], async {}).await,
        Err(LimitError::Closed)
    );
    assert!(c.named("late").is_empty(), "a closed limit runs nothing");
    assert!(
        LimitError::ZeroPermits
            .to_string()
            .contains("invalid concurrency limit 0")
    );
}
