//! The real binary with a disk spool (`--telemetry-spool`): the collector is down, five turns
//! are made, the engine is killed with SIGKILL; the collector comes back and a new engine
//! started on the same spool delivers every span of the five turns without a new request. A
//! truncated spool file is skipped with one warning naming it; a spool on a read-only directory
//! is warned about and the engine serves and exports as usual.
//!
//! The kill comes 2.5 s after the last turn: with a spool the batch span processor hands
//! spans over every second (its schedule delay), and every batch handed over is on disk
//! before the exporter returns, so what a kill can lose is what ended in the last second.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::engine::{Engine, otlp_env};
use telemetry_testkit::faults::RestartableReceiver;

fn start_engine(spool: &Path, receiver: std::net::SocketAddr) -> Engine {
    let env = otlp_env(
        &format!("http://{receiver}"),
        "http/protobuf",
        "agent-engine-spool",
    );
    Engine::start([Path::new("--telemetry-spool"), spool], &env)
}

fn spool_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "otlp"));
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_the_collector_down_loses_nothing_and_the_next_start_delivers_it() {
    let spool = tempfile::tempdir().unwrap();
    let mut receiver = RestartableReceiver::start().await;
    receiver.stop().await;

    let mut first = start_engine(spool.path(), receiver.addr());
    let traces = first.turns(5).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    let on_disk = spool_files(&spool.path().join("traces"));
    assert!(!on_disk.is_empty(), "nothing spooled: {:?}", first.stderr());

    // A damaged file beside the good ones: a copy of one, cut short, named as the newest.
    let damaged = spool
        .path()
        .join("traces")
        .join(format!("{:020}.otlp", 99_999_999u64));
    let bytes = std::fs::read(&on_disk[0]).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();

    receiver.restart().await;
    let t = Instant::now();
    let mut second = start_engine(spool.path(), receiver.addr());
    // No request: what the spool holds goes out by itself.
    let missing = loop {
        let got = receiver.received().await;
        let missing: Vec<&String> = traces
            .iter()
            .filter(|t| !got.spans.iter().any(|s| &s.trace_id == *t))
            .collect();
        if missing.is_empty() || t.elapsed() > Duration::from_secs(30) {
            break missing.into_iter().cloned().collect::<Vec<_>>();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let delivered_in = t.elapsed();
    let stderr = second.stderr().to_vec();
    let got = receiver.received().await;
    let spans_of_turns = got
        .spans
        .iter()
        .filter(|s| traces.contains(&s.trace_id))
        .count();
    let exit = second.stop();
    eprintln!(
        "SIGKILL with the collector down: {} spool files survived; the restarted engine \
         delivered {spans_of_turns} spans of the 5 turns ({} log records in all) within \
         {delivered_in:?} of starting; exit line: {:?}",
        on_disk.len(),
        got.logs.len(),
        exit.iter().find(|l| l.contains("telemetry lost"))
    );
    assert!(missing.is_empty(), "traces never delivered: {missing:?}");
    // Each turn is a SERVER span with its agent spans under it.
    for trace in &traces {
        assert!(
            got.spans
                .iter()
                .any(|s| &s.trace_id == trace && s.kind == "SPAN_KIND_SERVER"),
            "{trace}"
        );
        assert!(
            got.spans
                .iter()
                .any(|s| &s.trace_id == trace && s.name.starts_with("invoke_agent")),
            "{trace}"
        );
    }
    telemetry_testkit::assert_no_orphans(&got.spans);
    let about_damaged: Vec<&String> = stderr
        .iter()
        .filter(|l| l.contains(&damaged.display().to_string()))
        .collect();
    assert_eq!(about_damaged.len(), 1, "{stderr:?}");
    assert!(about_damaged[0].contains("truncated"), "{about_damaged:?}");
    assert!(
        exit.iter()
            .any(|l| l.contains("delivered from an earlier run's spool: spans")),
        "{exit:?}"
    );
    assert!(spool_files(&spool.path().join("traces")).is_empty());
    receiver.shutdown().await;
}

/// Makes `dir` read-only, for root too (`chattr +i`: root ignores permission bits); panics
/// if it stays writable, so that the test cannot pass without testing anything.
fn make_read_only(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let writable = || std::fs::write(dir.join("probe"), b"x").is_ok();
    if writable() {
        let _ = std::fs::remove_file(dir.join("probe"));
        let status = Command::new("chattr").arg("+i").arg(dir).status();
        assert!(
            matches!(status, Ok(s) if s.success()) && !writable(),
            "cannot make {} read-only (running as root without chattr?)",
            dir.display()
        );
    }
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = Command::new("chattr").arg("-i").arg(dir).status();
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_spool_is_warned_about_and_export_goes_on() {
    let spool = tempfile::tempdir().unwrap();
    make_read_only(spool.path());
    let receiver = RestartableReceiver::start().await;
    let engine = start_engine(spool.path(), receiver.addr());
    let traces = engine.turns(2).await;
    let stderr = engine.stop();
    make_writable(spool.path());
    let got = receiver.received().await;
    eprintln!(
        "read-only spool: {} spans received; warnings: {:?}",
        got.spans.len(),
        stderr
            .iter()
            .filter(|l| l.contains("spool"))
            .collect::<Vec<_>>()
    );
    for trace in &traces {
        assert!(got.spans.iter().any(|s| &s.trace_id == trace), "{trace}");
    }
    let warnings: Vec<&String> = stderr
        .iter()
        .filter(|l| l.contains("agent-telemetry") && l.contains("is not usable"))
        .collect();
    // One per exporting signal (traces, logs), each naming its directory.
    assert_eq!(warnings.len(), 2, "{stderr:?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.contains(&spool.path().display().to_string())),
        "{warnings:?}"
    );
    receiver.shutdown().await;
}
