//! A future instrumented with a `tracing` span and spawned on another worker keeps its parent:
//! the span's scope is a child of the scope it was created in, and scopes and events on the
//! worker nest under it. Its own binary: the subscriber must be the global default to reach
//! the runtime's worker threads.

mod common;

use common::{SERVICE, subscriber};
use telemetry_core::CorrelatorExt as _;
use telemetry_testkit::assert_tree;
use telemetry_testkit::otel::{pipeline, received};
use tracing::Instrument as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_instrumented_with_a_span_and_spawned_on_another_worker_keeps_its_parent() {
    let (otel, server) = pipeline(SERVICE).await;
    let t = otel.telemetry();
    tracing::subscriber::set_global_default(subscriber(t.clone())).expect("first subscriber");
    let test_thread = std::thread::current().id();
    let request = t.correlator.enter_scope("request", &[]);
    let cid = request.correlation_id().unwrap();
    let worker = {
        let t = t.clone();
        async move {
            tokio::task::yield_now().await;
            tracing::info!("on a worker");
            t.correlator
                .scoped("tool", &[], async {
                    tokio::task::yield_now().await;
                    t.logger.info("inside the tool", &[]);
                })
                .await;
            std::thread::current().id()
        }
        .instrument(tracing::info_span!("worker"))
    };
    let ran_on = tokio::spawn(worker).await.unwrap();
    assert_ne!(ran_on, test_thread, "the future ran on a runtime worker");
    drop(request);
    let got = received(otel, server, 3).await;
    let tree = assert_tree(
        &got.spans,
        cid,
        &[("request", ""), ("worker", "request"), ("tool", "worker")],
    );
    assert_eq!(tree["worker"].events[0].name, "on a worker");
    assert_eq!(tree["tool"].events[0].name, "inside the tool");
}
