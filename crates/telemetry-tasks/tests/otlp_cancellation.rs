//! Over OTLP: a stream dropped before its end and an aborted task still end their spans,
//! marked `agent_telemetry.cancelled = true` (telemetry-otel's documented mapping), under the right parent.
#![cfg(all(feature = "tokio", feature = "futures"))]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::otlp;
use futures::StreamExt;
use telemetry_core::{CorrelatorExt, ScopeOptions};
use telemetry_tasks::StreamScopeExt;
use telemetry_testkit::{assert_no_orphans, assert_tree, mock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_dropped_stream_and_aborted_task_export_cancelled_spans() {
    let server = mock::receiver().await;
    let otel = otlp::otel(&server, &[]);
    let t = otel.telemetry();

    let root = t.correlator.open_scope(ScopeOptions::new("request"));
    let id = root.correlation_id().unwrap();
    let request = root.context().clone();
    {
        let _entered = root.enter();
        // A stream read for one chunk, then dropped.
        let scope = t
            .correlator
            .open_scope(ScopeOptions::new("streaming_completion"));
        let mut stream = futures::stream::iter(["Hel", "lo", "!"]).instrument(scope);
        assert_eq!(stream.next().await, Some("Hel"));
        drop(stream);

        // A task that never finishes, aborted once it runs.
        let started = Arc::new(tokio::sync::Notify::new());
        let s = started.clone();
        let c = t.correlator.clone();
        let handle = telemetry_tasks::spawn(async move {
            c.scoped("background_tool", &[], async move {
                s.notify_one();
                std::future::pending::<()>().await;
            })
            .await;
        });
        started.notified().await;
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
    }
    drop(root);
    t.shutdown(Duration::from_secs(10)).await.unwrap();
    server
        .wait_for_spans(3, Duration::from_secs(10))
        .await
        .unwrap();

    let all = server.with_collector(mock::received).await.spans;
    let tree = assert_tree(
        &all,
        id,
        &[
            ("request", ""),
            ("streaming_completion", "request"),
            ("background_tool", "request"),
        ],
    );
    assert_no_orphans(&all);
    for name in ["streaming_completion", "background_tool"] {
        assert_eq!(
            tree[name]
                .attributes
                .get("agent_telemetry.cancelled")
                .map(String::as_str),
            Some("true"),
            "{name}"
        );
        assert_eq!(
            tree[name].status_code, "STATUS_CODE_UNSET",
            "{name}: cancellation is not an error"
        );
    }
    assert_eq!(
        tree["request"].attributes.get("agent_telemetry.cancelled"),
        None
    );
    assert_eq!(
        request.span_id().unwrap().to_string(),
        tree["request"].span_id
    );
}
