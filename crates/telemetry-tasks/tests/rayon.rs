//! Rayon pools carry the caller's scope (feature `rayon`).

mod common;

use common::Recording;
use rayon::prelude::*;
use telemetry_core::CorrelatorExt;
use telemetry_tasks::rayon::{ParallelIteratorScopeExt, RayonScopeExt};

#[test]
fn pools_iterators_joins_and_scopes_link_to_the_caller() {
    let c = Recording::default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let root = c.enter_scope("root", &[]);
    let span = root.context().span_id();

    let sum: i64 = telemetry_tasks::rayon::install(&pool, || {
        c.in_scope("installed", &[], || ());
        (0..64i64)
            .into_par_iter()
            .in_current_scope()
            .map(|i| c.in_scope(format!("map_{i}"), &[], || i * 2))
            .reduce(
                || 0,
                |a, b| {
                    c.in_scope("reduce", &[], || ());
                    a + b
                },
            )
    });
    assert_eq!(sum, (0..64).map(|i| i * 2).sum::<i64>());
    telemetry_tasks::rayon::join(
        || c.in_scope("left", &[], || ()),
        || c.in_scope("right", &[], || ()),
    );
    telemetry_tasks::rayon::scope(|s| {
        s.spawn_in_current_scope(|_| c.in_scope("scoped", &[], || ()));
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let d = c.clone();
    telemetry_tasks::rayon::spawn(move || {
        d.in_scope("spawned", &[], || ());
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    drop(root);

    let all = c.ended();
    let root_end = c.one("root");
    let children: Vec<_> = all.iter().filter(|e| e.name != "root").collect();
    // 1 installed + 64 maps + ≥1 reduce + left, right, scoped, spawned
    assert!(children.len() >= 64 + 5, "{}", children.len());
    for e in children {
        assert_eq!(e.parent_span_id, span, "{}", e.name);
        assert_eq!(e.correlation_id, root_end.correlation_id, "{}", e.name);
    }
}
