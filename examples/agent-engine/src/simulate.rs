//! The load simulator: N multi-turn sessions over real HTTP, C at a time, with a realistic
//! mix of direct replies, one tool, parallel tools, research tasks and a few intended bad
//! requests, then a summary table.

use std::fmt;
use std::time::{Duration, Instant};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimulateConfig {
    /// Sessions to run.
    pub sessions: usize,
    /// Sessions in flight at once.
    pub concurrency: usize,
    /// Messages per session (intended bad requests come on top, about one session in ten).
    pub turns_per_session: usize,
    /// Seed of the message mix; the same seed sends the same messages.
    pub seed: u64,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Limit for one HTTP request.
    pub request_timeout: Duration,
}

impl Default for SimulateConfig {
    fn default() -> Self {
        Self {
            sessions: 200,
            concurrency: 16,
            turns_per_session: 3,
            seed: 42,
            progress: true,
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// The results.
#[derive(Clone, Debug, Default)]
pub struct SimulationSummary {
    /// Every HTTP request sent.
    pub requests: usize,
    /// Requests whose status was not the one expected (for good requests: not 2xx).
    pub unexpected_errors: usize,
    /// Intended bad requests sent.
    pub intended_bad_requests: usize,
    /// Intended bad requests answered with exactly the expected 4xx status.
    pub bad_requests_rejected: usize,
    /// Tool calls reported by the server.
    pub tool_calls: usize,
    /// Tool calls that reported an error (e.g. a bad expression).
    pub tool_errors: usize,
    /// Sum of `usage.input_tokens`.
    pub input_tokens: u64,
    /// Sum of `usage.output_tokens`.
    pub output_tokens: u64,
    /// Sum of `usage.cost_usd` over the replies that had one.
    pub cost_usd: f64,
    /// Replies that had a `usage.cost_usd`.
    pub priced_replies: usize,
    /// Latency of every request, in completion order.
    pub latencies: Vec<Duration>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// The first few unexpected errors, for the report.
    pub failures: Vec<String>,
}

impl SimulationSummary {
    /// The latency at quantile `q` (0..=1), nearest-rank; zero when nothing was measured.
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    fn merge(&mut self, other: Self) {
        self.requests += other.requests;
        self.unexpected_errors += other.unexpected_errors;
        self.intended_bad_requests += other.intended_bad_requests;
        self.bad_requests_rejected += other.bad_requests_rejected;
        self.tool_calls += other.tool_calls;
        self.tool_errors += other.tool_errors;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cost_usd += other.cost_usd;
        self.priced_replies += other.priced_replies;
        self.latencies.extend(other.latencies);
        for f in other.failures {
            if self.failures.len() < 10 {
                self.failures.push(f);
            }
        }
    }
}

/// The summary table.
impl fmt::Display for SimulationSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        let rps = self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9);
        let rows = [
            ("requests", self.requests.to_string()),
            ("unexpected errors", self.unexpected_errors.to_string()),
            (
                "intended bad requests",
                format!(
                    "{} ({} rejected as expected)",
                    self.intended_bad_requests, self.bad_requests_rejected
                ),
            ),
            (
                "tool calls",
                format!("{} ({} reported errors)", self.tool_calls, self.tool_errors),
            ),
            ("latency p50", ms(self.percentile(0.50))),
            ("latency p95", ms(self.percentile(0.95))),
            ("latency p99", ms(self.percentile(0.99))),
            ("input tokens", self.input_tokens.to_string()),
            ("output tokens", self.output_tokens.to_string()),
            (
                "cost",
                if self.priced_replies == 0 {
                    "n/a (no price for the model)".to_owned()
                } else {
                    format!("${:.6} USD", self.cost_usd)
                },
            ),
            ("elapsed", format!("{:.2} s", self.elapsed.as_secs_f64())),
            ("throughput", format!("{rps:.1} req/s")),
        ];
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let vwidth = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        writeln!(f, "+-{}-+-{}-+", "-".repeat(width), "-".repeat(vwidth))?;
        for (k, v) in rows {
            writeln!(f, "| {k:<width$} | {v:>vwidth$} |")?;
        }
        write!(f, "+-{}-+-{}-+", "-".repeat(width), "-".repeat(vwidth))?;
        for failure in &self.failures {
            write!(f, "\n  unexpected: {failure}")?;
        }
        Ok(())
    }
}

/// Why the simulation could not run.
#[derive(Debug)]
pub struct SimulateError(String);

impl fmt::Display for SimulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimulateError {}

const TOPICS: [&str; 6] = [
    "rust async runtimes",
    "distributed tracing",
    "vector databases",
    "OpenTelemetry semantic conventions",
    "agent evaluation",
    "prompt caching",
];

/// A good message and whether it uses tools, for the mix.
fn message(rng: &mut fastrand::Rng) -> String {
    let (a, b, c) = (rng.u32(1..100), rng.u32(1..100), rng.u32(1..20));
    let topic = TOPICS[rng.usize(..TOPICS.len())];
    match rng.u32(0..100) {
        0..=24 => [
            "hello there",
            "tell me about yourself",
            "thanks, that helps",
        ][rng.usize(..3)]
        .to_owned(),
        25..=44 => format!("what is {a} * ({b} + {c})?"),
        45..=54 => "what time is it?".to_owned(),
        55..=74 => format!("compute {a} / {c} and tell me the date"),
        75..=89 => format!("research {topic}"),
        90..=96 => format!("research {topic} and calculate {a} ^ 2"),
        // A bad expression: the tool reports an error, the turn still succeeds.
        _ => format!("calculate {a} +* {b}"),
    }
}

enum Bad {
    EmptyContent,
    MalformedJson,
    WrongType,
    UnknownSession,
}

/// Drives the simulation against the server at `base_url`.
///
/// # Errors
/// [`SimulateError`] when the configuration is unusable (zero sessions or concurrency, a
/// URL that is not `http(s)://host[:port]`), the HTTP client cannot be built, or the server
/// does not answer `GET /healthz` (unreachable, or not an agent engine). Failures of the
/// simulated requests themselves are counted, not returned.
pub async fn run(
    base_url: &str,
    config: &SimulateConfig,
) -> Result<SimulationSummary, SimulateError> {
    if config.sessions == 0 || config.concurrency == 0 {
        return Err(SimulateError(format!(
            "invalid --sessions {} / --concurrency {}: expected both to be at least 1",
            config.sessions, config.concurrency
        )));
    }
    let client = crate::tls::client_builder()
        .map_err(|e| SimulateError(e.to_string()))?
        .timeout(config.request_timeout)
        .build()
        .map_err(|e| SimulateError(format!("cannot build the HTTP client: {e}")))?;
    let base = base_url.trim_end_matches('/').to_owned();
    let url = reqwest::Url::parse(&base)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if url.is_none() {
        return Err(SimulateError(format!(
            "invalid --url {base_url:?}: expected the agent engine's base URL with its scheme, \
             e.g. http://127.0.0.1:8800"
        )));
    }
    // One probe first, so an unreachable server is one clear error rather than a summary of
    // failed requests.
    match client.get(format!("{base}/healthz")).send().await {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => {
            return Err(SimulateError(format!(
                "--url {base_url}: GET /healthz answered {}; is this an agent engine?",
                r.status()
            )));
        }
        Err(e) => {
            let mut cause = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause = format!("{cause}: {s}");
                source = s.source();
            }
            return Err(SimulateError(format!(
                "cannot reach the agent engine at --url {base_url} ({cause}); start it with \
                 `agent-engine serve` in another terminal, or omit --url to run one in-process"
            )));
        }
    }
    let progress = if config.progress {
        let bar = ProgressBar::new(config.sessions as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} sessions ({per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let mut summary = SimulationSummary::default();
    let mut sessions = futures::stream::iter(0..config.sessions)
        .map(|i| {
            let client = client.clone();
            let base = base.clone();
            let seed = config.seed.wrapping_add(i as u64);
            let turns = config.turns_per_session;
            async move { run_session(&client, &base, seed, turns).await }
        })
        .buffer_unordered(config.concurrency);
    while let Some(s) = sessions.next().await {
        summary.merge(s);
        progress.inc(1);
        if summary.unexpected_errors > 0 {
            progress.set_message(format!("{} unexpected errors", summary.unexpected_errors));
        }
    }
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

async fn run_session(
    client: &reqwest::Client,
    base: &str,
    seed: u64,
    turns: usize,
) -> SimulationSummary {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut s = SimulationSummary::default();
    let agent = ["assistant", "planner", "researcher"][rng.usize(..3)];
    let created = send(
        &mut s,
        client
            .post(format!("{base}/v1/sessions"))
            .json(&json!({"agent": agent})),
        201,
    )
    .await;
    let Some(id) = created.and_then(|v| v["id"].as_str().map(str::to_owned)) else {
        return s;
    };
    let messages_url = format!("{base}/v1/sessions/{id}/messages");
    // About one session in ten also sends one intended bad request.
    let bad = match rng.u32(0..40) {
        0 => Some(Bad::EmptyContent),
        1 => Some(Bad::MalformedJson),
        2 => Some(Bad::WrongType),
        3 => Some(Bad::UnknownSession),
        _ => None,
    };
    for turn in 0..turns {
        if turn == 1
            && let Some(bad) = &bad
        {
            s.intended_bad_requests += 1;
            let (request, expected) = match bad {
                Bad::EmptyContent => (
                    client.post(&messages_url).json(&json!({"content": "  "})),
                    400,
                ),
                Bad::MalformedJson => (
                    client
                        .post(&messages_url)
                        .header("content-type", "application/json")
                        .body("{\"content\": \"unterminated"),
                    400,
                ),
                Bad::WrongType => (
                    client.post(&messages_url).json(&json!({"content": 42})),
                    422,
                ),
                Bad::UnknownSession => (
                    client
                        .post(format!("{base}/v1/sessions/does-not-exist/messages"))
                        .json(&json!({"content": "hello"})),
                    404,
                ),
            };
            if send(&mut s, request, expected).await.is_some() {
                s.bad_requests_rejected += 1;
            }
        }
        let content = message(&mut rng);
        if let Some(body) = send(
            &mut s,
            client
                .post(&messages_url)
                .json(&json!({"content": content})),
            200,
        )
        .await
        {
            s.input_tokens += body["usage"]["input_tokens"].as_u64().unwrap_or(0);
            s.output_tokens += body["usage"]["output_tokens"].as_u64().unwrap_or(0);
            if let Some(usd) = body["usage"]["cost_usd"].as_f64() {
                s.cost_usd += usd;
                s.priced_replies += 1;
            }
            if let Some(calls) = body["tool_calls"].as_array() {
                s.tool_calls += calls.len();
                s.tool_errors += calls.iter().filter(|c| !c["error"].is_null()).count();
            }
        }
    }
    let _ = send(&mut s, client.get(format!("{base}/v1/sessions/{id}")), 200).await;
    s
}

/// Sends one request, measures it and checks its status; the JSON body when it matched.
async fn send(
    s: &mut SimulationSummary,
    request: reqwest::RequestBuilder,
    expected: u16,
) -> Option<Value> {
    let started = Instant::now();
    let result = request.send().await;
    s.requests += 1;
    let outcome = match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            if status == expected {
                Ok(body)
            } else {
                Err(format!("expected HTTP {expected}, got {status}: {body}"))
            }
        }
        Err(e) => Err(format!("request failed: {e}")),
    };
    s.latencies.push(started.elapsed());
    match outcome {
        Ok(body) => Some(body),
        Err(e) => {
            s.unexpected_errors += 1;
            if s.failures.len() < 10 {
                s.failures.push(e);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let s = SimulationSummary {
            latencies: (1..=100).map(Duration::from_millis).collect(),
            ..SimulationSummary::default()
        };
        assert_eq!(s.percentile(0.5), Duration::from_millis(50));
        assert_eq!(s.percentile(0.99), Duration::from_millis(99));
        assert_eq!(SimulationSummary::default().percentile(0.5), Duration::ZERO);
        assert!(s.to_string().contains("| latency p95"));
    }
}
