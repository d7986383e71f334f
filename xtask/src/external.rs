//! The README's service example built and run as a user's crate would be: `tests/external-quickstart`,
//! a crate outside the workspace depending on `agent-telemetry` alone (its binary is
//! `crates/agent-telemetry/examples/service.rs`, the example's one copy).
//!
//! 1. Its lockfile is seeded from the workspace's `Cargo.lock`, and every package it resolves
//!    must be in that lockfile at the same version (what `--locked` would say, had Cargo not
//!    pruned the workspace's own packages from the copy): the example is built with the
//!    versions the workspace tests.
//! 2. It is built `--locked` into the workspace's target directory, so the dependencies the
//!    workspace already built are reused where their features match.
//! 3. It runs twice, each time serving one real request on an ephemeral port and stopping on
//!    SIGINT (as Ctrl-C) with exit status 0: with OpenTelemetry (console trace exporter, no
//!    collector needed), whose trace tree must show the SERVER span and the `chat` span under
//!    it; and with an invalid `OTEL_TRACES_EXPORTER`, whose Basic fallback must log the
//!    request's line with the correlation id the response carried.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CRATE_DIR: &str = "tests/external-quickstart";
const BINARY: &str = "quickstart";
/// A bound on waiting for the service (start-up, answer, exit), so a hang fails instead of
/// blocking CI; never a pass/fail criterion on speed.
const PATIENCE: Duration = Duration::from_secs(60);

/// Builds and runs the external crate; `cargo` runs a cargo command with extra environment.
pub(crate) fn run(
    cargo: impl Fn(&[&str], &[(&str, String)]) -> Result<(), String>,
) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::workspace_root();
    let dir = root.join(CRATE_DIR);
    let manifest = dir.join("Cargo.toml");
    let manifest = manifest.to_str().ok_or("the workspace path is not UTF-8")?;
    let target = crate::target_dir();
    let env = [("CARGO_TARGET_DIR", target.display().to_string())];

    let workspace_lock = root.join("Cargo.lock");
    let lock = dir.join("Cargo.lock");
    std::fs::copy(&workspace_lock, &lock).map_err(|e| {
        format!(
            "could not copy {} to {}: {e}",
            workspace_lock.display(),
            lock.display()
        )
    })?;
    // Resolves (pruning what the crate does not use) and downloads, building nothing.
    cargo(&["fetch", "--quiet", "--manifest-path", manifest], &env)
        .map_err(|e| format!("{e} (resolving {CRATE_DIR})"))?;
    let new = packages(&lock)?
        .difference(&packages(&workspace_lock)?)
        .filter(|(name, _)| name != "external-quickstart")
        .map(|(name, version)| format!("{name} {version}"))
        .collect::<Vec<_>>();
    if !new.is_empty() {
        return Err(format!(
            "{CRATE_DIR} resolved packages the workspace's Cargo.lock does not have: {}; \
             use only dependencies and features the workspace already locks",
            new.join(", ")
        ));
    }
    cargo(&["build", "--locked", "--manifest-path", manifest], &env)?;
    let built = started.elapsed();

    let binary = target.join("debug").join(BINARY);
    let otel = serve_one_request(
        &binary,
        &[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ],
    )?;
    for expected in [
        "POST /v1/chat SERVER",
        "└─ chat gpt-4o CLIENT",
        "tokens=25→9",
    ] {
        if !otel.stdout.contains(expected) {
            return Err(format!(
                "{BINARY} with OpenTelemetry: the console trace tree lacks `{expected}`; stdout was:\n{}",
                otel.stdout
            ));
        }
    }
    let basic = serve_one_request(&binary, &[("OTEL_TRACES_EXPORTER", "bogus")])?;
    let line = format!("[{}][POST /v1/chat] answered", basic.correlation_id);
    if !basic
        .stderr
        .contains("OpenTelemetry off: invalid OTEL_TRACES_EXPORTER")
        || !basic.stdout.contains(&line)
    {
        return Err(format!(
            "{BINARY} with an invalid OTEL_TRACES_EXPORTER: expected the Basic fallback's `{line}` \
             on stdout; stdout was:\n{}\nstderr was:\n{}",
            basic.stdout, basic.stderr
        ));
    }
    eprintln!(
        "xtask: {CRATE_DIR}: built in {:.1} s, ran twice in {:.1} s",
        built.as_secs_f64(),
        (started.elapsed() - built).as_secs_f64()
    );
    Ok(())
}

/// `(name, version)` of every package in a Cargo.lock (version 3 or 4 format).
fn packages(lock: &Path) -> Result<BTreeSet<(String, String)>, String> {
    let text = std::fs::read_to_string(lock)
        .map_err(|e| format!("could not read {}: {e}", lock.display()))?;
    let value = |line: &str, key: &str| {
        let rest = line
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?
            .trim();
        Some(rest.trim_matches('"').to_owned())
    };
    let mut out = BTreeSet::new();
    let mut name = None;
    for line in text.lines() {
        if line == "[[package]]" {
            name = None;
        } else if let Some(n) = value(line, "name") {
            name = Some(n);
        } else if let (Some(v), Some(n)) = (value(line, "version"), name.take()) {
            out.insert((n, v));
        }
    }
    if out.is_empty() {
        return Err(format!("{} lists no packages", lock.display()));
    }
    Ok(out)
}

/// What one run of the service printed, and the correlation id its one answer carried.
struct Run {
    stdout: String,
    stderr: String,
    correlation_id: String,
}

/// Starts the service on an ephemeral port, sends `POST /v1/chat`, checks the answer, stops the
/// service with SIGINT and checks that it exits with status 0.
fn serve_one_request(binary: &Path, env: &[(&str, &str)]) -> Result<Run, String> {
    let mut child = Command::new(binary)
        .env("ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    // Both pipes are read as the service writes, so a full pipe never stalls it.
    let stdout = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(out).read_to_string(&mut text);
            text
        })
    });
    let (tx, lines) = mpsc::channel();
    if let Some(err) = child.stderr.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let mut stderr = String::new();
    let answered = talk_to(&child, &lines, &mut stderr);
    if answered.is_err() {
        let _ = child.kill();
    }
    let status = wait(&mut child);
    // The pipes close at the exit (or the kill), which ends both readers.
    stderr.extend(lines.iter().map(|l| l + "\n"));
    let stdout = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let fail = |e: String| {
        Err(format!(
            "{BINARY}: {e}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        ))
    };
    let correlation_id = match answered {
        Ok(id) => id,
        Err(e) => return fail(e),
    };
    match status {
        Ok(s) if s.success() => Ok(Run {
            stdout,
            stderr,
            correlation_id,
        }),
        Ok(s) => fail(format!("exited with {s} after SIGINT")),
        Err(e) => fail(e),
    }
}

/// Reads the address from the service's `listening on http://…` line (stderr lines so far go
/// to `seen`), makes the request, checks the answer and sends SIGINT. Returns the answer's
/// correlation id.
fn talk_to(
    child: &Child,
    lines: &mpsc::Receiver<String>,
    seen: &mut String,
) -> Result<String, String> {
    let deadline = Instant::now() + PATIENCE;
    let addr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .map_err(|_| format!("no `listening on` line on stderr within {PATIENCE:?}"))?;
        seen.push_str(&line);
        seen.push('\n');
        if let Some(addr) = line.strip_prefix("listening on http://") {
            break addr.to_owned();
        }
    };
    let answer = post(&addr, "/v1/chat", "what is 2+2?")?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    if !head.starts_with("HTTP/1.1 200") || body != "4" {
        return Err(format!("POST /v1/chat answered:\n{answer}"));
    }
    let correlation_id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-correlation-id: "))
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("no 32-hex-digit x-correlation-id header in:\n{head}"))?
        .to_owned();
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    if !sent.is_ok_and(|s| s.success()) {
        return Err(format!("could not send SIGINT to {pid}"));
    }
    Ok(correlation_id)
}

/// One HTTP/1.1 request with `connection: close`; the whole answer as text.
fn post(addr: &str, path: &str, body: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(PATIENCE))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: text/plain\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| format!("read the answer from {addr}: {e}"))?;
    Ok(answer)
}

/// Waits for the exit, at most [`PATIENCE`] (then kills it).
fn wait(child: &mut Child) -> Result<std::process::ExitStatus, String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                return Err(format!("did not exit within {PATIENCE:?} of SIGINT"));
            }
            Err(e) => return Err(format!("waiting for the exit: {e}")),
        }
    }
}
