//! 10,000 concurrent roots on a multi-thread runtime, each three levels deep across `spawn`,
//! `join_all` and `spawn_blocking`: no cross-talk, no orphans, bounded memory.
//!
//! Spans are checked with an in-process recording correlator (60,000 per wave: too many to
//! push through an OTLP receiver in a debug-build test within seconds; the OTLP path of the
//! same helpers is covered by `otlp_cancellation.rs` and the parallel-patterns tests), log
//! records with the Basic JSON logger writing to memory. Memory: every scope's data is freed
//! after each wave (a drop counter in the recording extension returns to 0), and RSS does
//! not grow in a second identical wave.
#![cfg(all(feature = "tokio", feature = "futures"))]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use common::Recording;
use telemetry_basic::{LogFormat, MemoryWriter, StdoutLogger};
use telemetry_core::{
    ContextualCorrelator, CorrelationId, CorrelatorExt, LogLevel, Logger, ScopeOptions, SpanId,
    attrs,
};

const ROOTS: usize = 10_000;
const SPANS_PER_ROOT: usize = 6;

/// root_i → (spawn) level1_i → (join_all) level2_{a,b}_i → (spawn_blocking) level3_{a,b}_i;
/// every scope logs one record tagged with `i`. Returns each root's correlation id.
async fn wave(c: Recording, logger: Arc<dyn Logger>) -> Vec<CorrelationId> {
    let barrier = Arc::new(tokio::sync::Barrier::new(ROOTS));
    let roots: Vec<_> = (0..ROOTS)
        .map(|i| {
            let (c, logger, barrier) = (c.clone(), logger.clone(), barrier.clone());
            tokio::spawn(async move {
                let root = c.open_scope(ScopeOptions::new(format!("root_{i}")).root());
                let id = root.correlation_id().unwrap();
                let body = async move {
                    logger.info("root", &attrs!["root" => i as i64]);
                    // Every root is open at once before any goes deeper.
                    barrier.wait().await;
                    let (c1, l1) = (c.clone(), logger.clone());
                    telemetry_tasks::spawn(async move {
                        let level1 = async {
                            l1.info("level1", &attrs!["root" => i as i64]);
                            let branches = ["a", "b"].map(|b| {
                                let (c2, l2) = (c1.clone(), l1.clone());
                                (ScopeOptions::new(format!("level2_{b}_{i}")), async move {
                                    l2.info("level2", &attrs!["root" => i as i64]);
                                    tokio::task::yield_now().await;
                                    telemetry_tasks::spawn_blocking(move || {
                                        c2.in_scope(format!("level3_{b}_{i}"), &[], || {
                                            l2.info("level3", &attrs!["root" => i as i64]);
                                        });
                                    })
                                    .await
                                    .unwrap();
                                })
                            });
                            telemetry_tasks::join_all_scoped(&c1, branches).await;
                        };
                        c1.scoped(format!("level1_{i}"), &[], level1).await;
                    })
                    .await
                    .unwrap();
                };
                root.instrument(body).await;
                (i, id)
            })
        })
        .collect();
    let mut ids = vec![None; ROOTS];
    for r in roots {
        let (i, id) = r.await.unwrap();
        ids[i] = Some(id);
    }
    ids.into_iter().map(Option::unwrap).collect()
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn check(c: &Recording, out: &MemoryWriter, ids: &[CorrelationId]) {
    let root_of: HashMap<CorrelationId, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    assert_eq!(
        root_of.len(),
        ROOTS,
        "every root has its own correlation id"
    );

    let ended = c.ended();
    assert_eq!(ended.len(), ROOTS * SPANS_PER_ROOT, "span count");
    let by_span: HashMap<SpanId, &common::Ended> = ended.iter().map(|e| (e.span_id, e)).collect();
    assert_eq!(by_span.len(), ended.len(), "span ids are unique");
    let mut roots_seen = HashSet::new();
    for e in &ended {
        // Cross-talk: the root index in the name matches the root owning the correlation id.
        let i: usize = e.name.rsplit('_').next().unwrap().parse().unwrap();
        assert_eq!(
            root_of.get(&e.correlation_id),
            Some(&i),
            "span {} in another root's trace",
            e.name
        );
        let expected_parent = match e.name.split('_').next().unwrap() {
            "root" => None,
            "level1" => Some(format!("root_{i}")),
            "level2" => Some(format!("level1_{i}")),
            "level3" => Some(e.name.replacen("level3", "level2", 1)),
            other => panic!("unexpected span {other}"),
        };
        match (expected_parent, e.parent_span_id) {
            (None, None) => assert!(roots_seen.insert(i)),
            (Some(want), Some(p)) => {
                let parent = by_span
                    .get(&p)
                    .unwrap_or_else(|| panic!("orphan {}", e.name));
                assert_eq!(parent.name, want, "parent of {}", e.name);
                assert_eq!(parent.correlation_id, e.correlation_id);
            }
            (want, got) => panic!("{}: parent {want:?}, got {got:?}", e.name),
        }
    }
    assert_eq!(roots_seen.len(), ROOTS);

    let lines = out.lines();
    assert_eq!(lines.len(), ROOTS * SPANS_PER_ROOT, "log record count");
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let i = v["attributes"]["root"].as_u64().unwrap() as usize;
        assert_eq!(
            v["correlation_id"].as_str(),
            Some(ids[i].to_string().as_str()),
            "log record of root {i} carries another correlation id: {line}"
        );
    }
}

#[test]
fn ten_thousand_concurrent_roots_never_cross_talk_or_leak() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .unwrap();
    let c = Recording::default();
    let out = MemoryWriter::new();
    let logger: Arc<dyn Logger> = Arc::new(
        StdoutLogger::with_writer(Arc::new(c.clone()), Box::new(out.clone()))
            .format(LogFormat::Json)
            .level(LogLevel::Info),
    );

    let mut rss = Vec::new();
    for wave_no in 0..2 {
        let ids = rt.block_on(wave(c.clone(), logger.clone()));
        check(&c, &out, &ids);
        assert_eq!(c.live(), 0, "wave {wave_no}: every scope's data was freed");
        c.0.ended.lock().clear();
        c.0.ended.lock().shrink_to_fit();
        out.clear();
        rss.push(rss_bytes());
    }
    let opened = c.0.opened.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(opened, 2 * ROOTS * SPANS_PER_ROOT);
    let growth = rss[1].saturating_sub(rss[0]);
    eprintln!(
        "stress: {opened} scopes in 2 waves; RSS after wave 1 {} MiB, after wave 2 {} MiB (growth {} KiB)",
        rss[0] >> 20,
        rss[1] >> 20,
        growth >> 10
    );
    // The exact bound is `live() == 0` above. RSS is a gross-leak guard only (allocator
    // arenas make it move by tens of MiB): leaking each wave's 60,000 scopes with their log
    // lines would add well over 64 MiB.
    assert!(
        growth < 64 << 20,
        "RSS grew by {growth} bytes in the second wave"
    );
}
