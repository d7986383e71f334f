//! An empty or blank scope name neither fails nor panics: the scope opens under
//! `diagnostics::UNNAMED_SCOPE`, every such scope is counted, and stderr gets one warning.
//!
//! The warning is once per process, so the test runs its body in a child process of its own
//! and reads that process's stderr.

use std::process::Command;

use telemetry_core::diagnostics::{self, UNNAMED_SCOPE};
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, NoOpCorrelator, Scope, ScopeOptions, Telemetry,
};

const CHILD: &str = "TELEMETRY_CORE_UNNAMED_SCOPE_CHILD";
const TEST: &str = "unnamed_scopes_open_are_counted_and_warned_about_once";

/// A correlator that records scopes with ids, as Basic does.
struct Recording;

impl ContextualCorrelator for Recording {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        options.resolve().into_scope(None)
    }
}

fn child() {
    let before = diagnostics::unnamed_scopes();
    // A recording correlator: the scope is real, named with the placeholder.
    let guard = Recording.enter_scope("", &[]);
    assert_eq!(guard.context().name(), Some(UNNAMED_SCOPE));
    assert!(guard.correlation_id().is_some());
    let inner = Recording.in_scope(" \t", &[], || Recording.scope_path());
    assert_eq!(inner, [UNNAMED_SCOPE, UNNAMED_SCOPE]);
    drop(guard);
    let answer = futures::executor::block_on(Recording.scoped(String::new(), &[], async { 42 }));
    assert_eq!(answer, 42);
    // NoOp and the bundle count too, so tests against NoOp see what production sees.
    drop(NoOpCorrelator.enter_scope("", &[]));
    drop(Telemetry::noop().correlator.enter_scope("\u{3000}", &[]));
    assert_eq!(diagnostics::unnamed_scopes() - before, 5);
}

#[test]
fn unnamed_scopes_open_are_counted_and_warned_about_once() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the test binary again");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("agent-telemetry:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(&format!("opening it as \"{UNNAMED_SCOPE}\"")),
        "{}",
        warnings[0]
    );
}
