//! The built `agent-engine` binary as a child process: `serve --open-telemetry` on a free
//! 127.0.0.1 port, with the caller's extra arguments and environment, ready once it prints its
//! `agent-engine listening` line; turns over its HTTP API; SIGTERM, the exit status, and what
//! it printed.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

/// A running engine and what it printed on stderr so far.
pub(crate) struct Engine {
    /// The process; a test may kill it (SIGKILL) instead of calling [`Engine::stop`].
    pub(crate) child: Child,
    /// `127.0.0.1:<port>` of its HTTP API.
    pub(crate) addr: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    /// All of stdout, when the caller piped it (see [`Engine::start_with`]).
    stdout: Option<JoinHandle<String>>,
}

/// How a stopped engine ended.
pub(crate) struct Stopped {
    /// Every stderr line, the exit line included.
    pub(crate) stderr: Vec<String>,
    /// All of stdout when it was piped, else empty.
    pub(crate) stdout: String,
    /// From SIGTERM to exit.
    pub(crate) after: Duration,
}

/// The environment of an engine exporting traces and logs (no metrics) over OTLP to
/// `endpoint` (`http://host:port`) with `protocol` (`grpc` or `http/protobuf`), each export
/// attempt given 1 s.
pub(crate) fn otlp_env(endpoint: &str, protocol: &str, service: &str) -> Vec<(String, String)> {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_LOGS_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ("OTEL_SERVICE_NAME", service),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

impl Engine {
    /// Starts `agent-engine serve --open-telemetry --addr <free port>` followed by `args`, with
    /// `env` added to the environment, and waits (up to 60 s) for its `listening` line.
    ///
    /// # Panics
    /// When it cannot start or does not print that line in time, with its stderr so far.
    pub(crate) fn start<I, S>(args: I, env: &[(String, String)]) -> Engine
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self::start_with(args, env, |_| {})
    }

    /// As [`start`](Self::start), with `configure` applied to the command last: to remove a
    /// variable, or to pipe stdout (then read to its end on a thread, and returned by
    /// [`stop_timed`](Self::stop_timed)).
    pub(crate) fn start_with<I, S>(
        args: I,
        env: &[(String, String)],
        configure: impl FnOnce(&mut Command),
    ) -> Engine
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_agent-engine"));
        command
            .args(["serve", "--open-telemetry", "--addr", &addr])
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().expect("start the built agent-engine");
        // Read as it comes: a full pipe would block the engine.
        let stdout = child.stdout.take().map(|mut out| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = out.read_to_string(&mut s);
                s
            })
        });
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut engine = Engine {
            child,
            addr,
            lines,
            seen: Vec::new(),
            stdout,
        };
        loop {
            let line = engine
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no 'listening' line; stderr: {:?}", engine.seen));
            let ready = line.contains("agent-engine listening");
            engine.seen.push(line);
            if ready {
                return engine;
            }
        }
    }

    /// Every stderr line so far.
    pub(crate) fn stderr(&mut self) -> &[String] {
        self.seen.extend(self.lines.try_iter());
        &self.seen
    }

    /// One session with the `planner` agent and `turns` messages; the correlation ids (trace
    /// ids) of the turns.
    ///
    /// # Panics
    /// When a request fails or a turn is not answered 200.
    pub(crate) async fn turns(&self, turns: usize) -> Vec<String> {
        let http = agent_engine::tls::client().unwrap();
        let base = format!("http://{}", self.addr);
        let id = super::api::new_session(&http, &base, Some("planner")).await;
        let mut traces = Vec::new();
        for i in 0..turns {
            let r = http
                .post(format!("{base}/v1/sessions/{id}/messages"))
                .json(&json!({ "content": format!("what is {i} * 7?") }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            traces.push(r.headers()["x-correlation-id"].to_str().unwrap().to_owned());
        }
        traces
    }

    /// SIGTERM, then every stderr line, the exit line included.
    ///
    /// # Panics
    /// As [`stop_timed`](Self::stop_timed).
    pub(crate) fn stop(self) -> Vec<String> {
        self.stop_timed().stderr
    }

    /// SIGTERM, then waits for the exit: what it printed, and how long it took.
    ///
    /// # Panics
    /// When the engine does not exit 0, or is still running 60 s after SIGTERM (then killed).
    pub(crate) fn stop_timed(mut self) -> Stopped {
        // No pause needed: the engine installs its SIGTERM handler before its "listening" line.
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let t = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!(
                    "still running 60 s after SIGTERM; stderr: {:?}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let after = t.elapsed();
        // The reader thread ends with the pipe: collect everything.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        assert_eq!(status.code(), Some(0), "{status:?}: {:?}", self.seen);
        let stdout = self
            .stdout
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default();
        Stopped {
            stderr: self.stderr().to_vec(),
            stdout,
            after,
        }
    }
}

impl Drop for Engine {
    /// A test that panics leaves no engine running (a no-op after [`Engine::stop`]).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
