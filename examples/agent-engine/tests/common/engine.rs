//! The built `agent-engine` binary as a child process: `serve --open-telemetry` on a free
//! 127.0.0.1 port, with the caller's extra arguments and environment, ready once it prints its
//! `agent-engine listening` line; turns over its HTTP API; SIGTERM and the exit status.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// A running engine and what it printed on stderr so far.
pub(crate) struct Engine {
    /// The process; a test may kill it (SIGKILL) instead of calling [`Engine::stop`].
    pub(crate) child: Child,
    /// `127.0.0.1:<port>` of its HTTP API.
    pub(crate) addr: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
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
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_agent-engine"))
            .args(["serve", "--open-telemetry", "--addr", &addr])
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the built agent-engine");
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
        let r = http
            .post(format!("{base}/v1/sessions"))
            .json(&json!({ "agent": "planner" }))
            .send()
            .await
            .unwrap();
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
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
    /// When the engine does not exit 0.
    pub(crate) fn stop(mut self) -> Vec<String> {
        // No pause needed: the engine installs its SIGTERM handler before its "listening" line.
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = self.child.wait().unwrap();
        // The reader thread ends with the pipe: collect everything.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        assert_eq!(status.code(), Some(0), "{status:?}: {:?}", self.seen);
        self.stderr().to_vec()
    }
}

impl Drop for Engine {
    /// A test that panics leaves no engine running (a no-op after [`Engine::stop`]).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
